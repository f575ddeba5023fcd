import {
  ClerkNotFound,
  EmailAddresses,
  Invitations,
  Jwks,
  Machines,
  OrganizationInvitations,
  OrganizationMemberships,
  Organizations,
  PhoneNumbers,
  Sessions,
  Users
} from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose"
import { idPattern, isJwk } from "./harness.js"
import { type AnyCall, sharedEmulator } from "./sdk.js"

// Errors, invitations, sessions and session tokens through the SDK.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Clerk errors through the SDK", (it) => {
  it.effect("unknown ids fail with ClerkNotFound resource_not_found", () =>
    Effect.gen(function* () {
      const calls: ReadonlyArray<AnyCall> = [
        Users.get({ userId: "user_missing" }),
        Users.delete({ userId: "user_missing" }),
        EmailAddresses.get({ emailAddressId: "idn_missing" }),
        PhoneNumbers.delete({ phoneNumberId: "idn_missing" }),
        Organizations.get({ organizationId: "org_missing" }),
        Organizations.update({ organizationId: "org_missing", name: "x" }),
        OrganizationMemberships.delete({ organizationId: "org_missing", userId: "user_missing" }),
        OrganizationInvitations.list({ organizationId: "org_missing" }),
        Sessions.get({ sessionId: "sess_missing" }),
        Sessions.create({ userId: "user_missing" }),
        Sessions.createToken({ sessionId: "sess_missing" }),
        Invitations.revoke({ invitationId: "inv_missing" }),
        // The spec lists no 404 for these; the overlay adds it to every operation with a path id.
        OrganizationMemberships.list({ organizationId: "org_missing" }),
        Users.ban({ userId: "user_missing" }),
        Users.lock({ userId: "user_missing" })
      ]
      for (const call of calls) {
        const error = yield* Effect.flip(call)
        expect(error).toMatchObject(notFound)
        expect(error instanceof ClerkNotFound && error.clerkTraceId).toMatch(/^[0-9a-f]{32}$/)
      }
    })
  )

  it.effect("resources without a module of their own are stateful: machines from create to delete", () =>
    Effect.gen(function* () {
      const machine = yield* Machines.create({ name: "worker", defaultTokenTtl: 120 })
      expect(machine).toMatchObject({ object: "machine", name: "worker", defaultTokenTtl: 120 })
      expect(machine.id).toMatch(idPattern("mch"))
      expect(machine.secretKey).toMatch(/^ak_/)
      expect(yield* Machines.get({ machineId: machine.id })).toMatchObject({ id: machine.id, name: "worker" })
      const renamed = yield* Machines.update({ machineId: machine.id, name: "renamed" })
      expect(renamed.name).toBe("renamed")
      const listed = yield* Machines.list({})
      expect(listed.data.map((m) => [m.id, m.name])).toEqual([[machine.id, "renamed"]])
      expect((yield* Machines.getSecretKey({ machineId: machine.id })).secret).toBe(machine.secretKey)
      const rotated = yield* Machines.rotateSecretKey({ machineId: machine.id, previousTokenTtl: 0 })
      expect(rotated.secret).toMatch(/^ak_/)
      expect(rotated.secret).not.toBe(machine.secretKey)
      expect(yield* Machines.delete({ machineId: machine.id })).toMatchObject({
        id: machine.id,
        deleted: true
      })
      expect(yield* Effect.flip(Machines.get({ machineId: machine.id }))).toMatchObject(notFound)
    })
  )
})

sharedEmulator(
  "A wrong secret key through the SDK",
  (it) => {
    it.effect("fails with ClerkUnauthorized and changes nothing", () =>
      Effect.gen(function* () {
        const unauthorized = { _tag: "ClerkUnauthorized", errors: [{ code: "authentication_invalid" }] }
        expect(yield* Effect.flip(Users.list({}))).toMatchObject(unauthorized)
        expect(yield* Effect.flip(Users.create({ firstName: "Intruder" }))).toMatchObject(unauthorized)
        // The spec declares no 401 for GetJWKS; Clerk's error body still surfaces as its tag.
        expect(yield* Effect.flip(Jwks.getJWKS())).toMatchObject(unauthorized)
        const emulator = yield* ClerkEmulator.ClerkEmulator
        expect((yield* emulator.snapshot).users).toEqual([])
        // The right key (the emulator's own calls carry it) is accepted.
        yield* emulator.seedUser({ firstName: "Insider" })
        expect((yield* emulator.snapshot).users.map((u) => u.firstName)).toEqual(["Insider"])
      })
    )
  },
  { emulator: { secretKey: "sk_test_right" }, clientKey: "sk_test_wrong" }
)

sharedEmulator("Invitations through the SDK", (it) => {
  it.effect("create, refuse duplicates and existing users, bulk, list and revoke", () =>
    Effect.gen(function* () {
      yield* Users.create({ emailAddress: ["member@invites.test"] })
      const invitation = yield* Invitations.create({
        emailAddress: "guest@invites.test",
        publicMetadata: { from: "test" }
      })
      expect(invitation.id).toMatch(idPattern("inv"))
      expect(invitation).toMatchObject({
        object: "invitation",
        emailAddress: "guest@invites.test",
        status: "pending",
        revoked: false,
        publicMetadata: { from: "test" }
      })
      expect(yield* Effect.flip(Invitations.create({ emailAddress: "guest@invites.test" }))).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "duplicate_record" }]
      })
      expect(yield* Effect.flip(Invitations.create({ emailAddress: "member@invites.test" }))).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "form_identifier_exists" }]
      })
      const ignoring = yield* Invitations.create({
        emailAddress: "member@invites.test",
        ignoreExisting: true
      })
      const bulk = yield* Invitations.bulkCreate({
        body: [{ emailAddress: "x@invites.test" }, { emailAddress: "y@invites.test" }]
      })
      expect(bulk.map((i) => i.emailAddress)).toEqual(["x@invites.test", "y@invites.test"])
      const revoked = yield* Invitations.revoke({ invitationId: invitation.id })
      expect([revoked.id, revoked.status, revoked.revoked]).toEqual([invitation.id, "revoked", true])
      expect(yield* Effect.flip(Invitations.revoke({ invitationId: invitation.id }))).toMatchObject({
        _tag: "ClerkBadRequest"
      })
      const pending = yield* Invitations.list({ status: ["pending"], orderBy: "+created_at" })
      expect(pending.map((i) => i.id)).toEqual([ignoring.id, ...bulk.map((i) => i.id)])
      expect((yield* Invitations.list({ status: ["revoked"] })).map((i) => i.id)).toEqual([invitation.id])
      // Revoked invitations are listed only when asked for by status.
      expect((yield* Invitations.list({ query: "guest" })).map((i) => i.id)).toEqual([])
      expect((yield* Invitations.list({ query: "guest", status: ["revoked"] })).map((i) => i.id)).toEqual([
        invitation.id
      ])
      expect(yield* Invitations.list({ limit: 2, offset: 2 })).toHaveLength(1)
      expect((yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).invitations).toHaveLength(4)
    })
  )
})

sharedEmulator("Sessions, JWKS and session tokens through the SDK", (it) => {
  it.effect("create, get, list and revoke sessions", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Sam" })
      const session = yield* Sessions.create({ userId: user.id })
      expect(session.id).toMatch(idPattern("sess"))
      expect(session.clientId).toMatch(idPattern("client"))
      expect([session.object, session.userId, session.status]).toEqual(["session", user.id, "active"])
      expect(yield* Sessions.get({ sessionId: session.id })).toEqual(session)
      expect((yield* Sessions.list({ userId: user.id })).map((s) => s.id)).toEqual([session.id])
      expect((yield* Users.get({ userId: user.id })).lastSignInAt).toBe(session.createdAt)
      const revoked = yield* Sessions.revoke({ sessionId: session.id })
      expect([revoked.id, revoked.status]).toEqual([session.id, "revoked"])
      expect(yield* Sessions.list({ userId: user.id, status: "active" })).toEqual([])
      expect((yield* Sessions.list({ userId: user.id, status: "revoked" })).map((s) => s.id)).toEqual([
        session.id
      ])
      const stored = (yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).sessions.find(
        (s) => s.id === session.id
      )
      expect(stored?.status).toBe("revoked")
      expect(yield* Effect.flip(Sessions.createToken({ sessionId: session.id }))).toMatchObject(notFound)
    })
  )

  it.effect("session tokens are RS256 JWTs that verify against Jwks.getJWKS", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Tok" })
      const org = yield* Organizations.create({ name: "Tokens", slug: "tokens", createdBy: user.id })
      const session = yield* Sessions.create({ userId: user.id, activeOrganizationId: org.id })
      const jwks = yield* Jwks.getJWKS()
      const keys = (jwks.keys ?? []).flatMap((key: unknown) => (isJwk(key) ? [key] : []))
      expect(keys).toEqual([
        expect.objectContaining({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB", n: expect.any(String) })
      ])
      const emulator = yield* ClerkEmulator.ClerkEmulator
      expect(keys).toEqual(emulator.jwks.keys)
      const keySet = createLocalJWKSet({ keys })
      const token = yield* Sessions.createToken({ sessionId: session.id })
      expect(token.object).toBe("token")
      const jwt = token.jwt ?? ""
      expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: "RS256", kid: keys[0]?.kid })
      const { payload } = yield* Effect.promise(() =>
        jwtVerify(jwt, keySet, { issuer: "https://clerk.emulator.local" })
      )
      expect(payload).toMatchObject({
        sub: user.id,
        sid: session.id,
        v: 2,
        o: { id: org.id, rol: "admin", slg: "tokens" }
      })
      expect(Number(payload.exp) - Number(payload.iat)).toBe(60)
      const long = yield* Sessions.createToken({ sessionId: session.id, expiresInSeconds: 3600 })
      const { payload: longPayload } = yield* Effect.promise(() => jwtVerify(long.jwt ?? "", keySet))
      expect(Number(longPayload.exp) - Number(longPayload.iat)).toBe(3600)
      // A token signed by another emulator's key does not verify.
      const stranger = yield* ClerkEmulator.make()
      const strangerUser = yield* stranger.seedUser({ firstName: "Other" })
      const strangerJwt = yield* stranger.sessionToken(
        (yield* stranger.seedSession({ userId: strangerUser.id })).id
      )
      const rejected = yield* Effect.flip(Effect.tryPromise(() => jwtVerify(strangerJwt, keySet)))
      expect(String(rejected.error)).toMatch(/no applicable key found|JWKSNoMatchingKey/i)
      const withAzp = yield* emulator.sessionToken(session.id, { azp: "https://app.example.com" })
      const { payload: azp } = yield* Effect.promise(() => jwtVerify(withAzp, keySet))
      expect(azp.azp).toBe("https://app.example.com")
    })
  )
})
