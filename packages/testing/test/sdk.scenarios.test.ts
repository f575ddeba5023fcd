import { NodeHttpClient } from "@effect/platform-node"
import {
  ClerkClient,
  Clients,
  Invitations,
  Jwks,
  OrganizationMemberships,
  Organizations,
  Sessions,
  Users
} from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import { createLocalJWKSet, type JWK, jwtVerify } from "jose"

// The SDK's public API run against the emulator, in process and over HTTP.

const secretKey = Redacted.make("sk_test_sdk_scenarios")

const viaLayer = ClerkClient.layer({ secretKey }).pipe(Layer.provideMerge(ClerkEmulator.layer), Layer.orDie)

const viaServer = Layer.unwrapScoped(
  Effect.map(ClerkEmulator.serve(), ({ apiUrl }) => ClerkClient.layer({ secretKey, apiUrl }))
).pipe(
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make())),
  Layer.orDie
)

const isJwk = (u: unknown): u is JWK => typeof u === "object" && u !== null && "kty" in u

const scenarios = (layer: Layer.Layer<ClerkClient.ClerkClient | ClerkEmulator.ClerkEmulator>) => {
  const test = <E>(
    name: string,
    body: () => Effect.Effect<void, E, ClerkClient.ClerkClient | ClerkEmulator.ClerkEmulator>
  ) => it.effect(name, () => Effect.provide(Effect.orDie(body()), layer))

  test("Users.create, get, list, count and stream", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ emailAddress: ["ada@example.com"], firstName: "Ada" })
      expect(user.id).toMatch(/^user_/)
      expect(user.primaryEmailAddressId).toBe(user.emailAddresses[0]?.id)
      const same = yield* Users.get({ userId: user.id })
      expect(same.id).toBe(user.id)
      yield* Users.create({ emailAddress: ["alan@example.com"], firstName: "Alan" })
      yield* Users.create({ emailAddress: ["grace@example.com"], firstName: "Grace" })
      const page = yield* Users.list({ limit: 100, orderBy: "-created_at" })
      expect(page.map((u) => u.firstName)).toEqual(["Grace", "Alan", "Ada"])
      expect((yield* Users.count({ query: "example.com" })).totalCount).toBe(3)
      const all = yield* Stream.runCollect(Users.stream({ orderBy: "+created_at" }, { pageSize: 2 }))
      expect(Chunk.toReadonlyArray(all).map((u) => u.firstName)).toEqual(["Ada", "Alan", "Grace"])
    }))

  test("Clerk errors arrive as typed failures", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(Users.get({ userId: "user_missing" }))
      expect(missing._tag).toBe("ClerkNotFound")
      yield* Users.create({ emailAddress: ["taken@example.com"] })
      const taken = yield* Effect.flip(Users.create({ emailAddress: ["taken@example.com"] }))
      expect(taken).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "form_identifier_exists" }]
      })
      const notEmulated = yield* Effect.flip(Clients.list({}))
      expect(notEmulated).toMatchObject({ _tag: "SDKError", status: 501 })
    }))

  test("metadata merge, ban and delete", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Meta", publicMetadata: { a: { b: 1, c: 2 } } })
      const merged = yield* Users.updateMetadata({
        userId: user.id,
        publicMetadata: { a: { c: null, d: 3 } }
      })
      expect(merged.publicMetadata).toEqual({ a: { b: 1, d: 3 } })
      expect((yield* Users.ban({ userId: user.id })).banned).toBe(true)
      expect((yield* Users.delete({ userId: user.id })).deleted).toBe(true)
      expect((yield* Effect.flip(Users.get({ userId: user.id })))._tag).toBe("ClerkNotFound")
    }))

  test("organizations, memberships and invitations", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ emailAddress: ["owner@example.com"] })
      const org = yield* Organizations.create({ name: "Acme", createdBy: owner.id })
      expect(org.id).toMatch(/^org_/)
      const member = yield* Users.create({ emailAddress: ["member@example.com"] })
      const membership = yield* OrganizationMemberships.create({
        organizationId: org.id,
        userId: member.id,
        role: "org:member"
      })
      expect(membership.id).toMatch(/^orgmem_/)
      const orgs = yield* Organizations.list({ limit: 10 })
      expect(orgs.totalCount).toBe(1)
      expect(orgs.data.map((o) => o.id)).toEqual([org.id])
      const members = yield* OrganizationMemberships.list({ organizationId: org.id })
      expect(members.totalCount).toBe(2)
      const invitation = yield* Invitations.create({ emailAddress: "guest@example.com" })
      expect((yield* Invitations.revoke({ invitationId: invitation.id })).status).toBe("revoked")
    }))

  test("profile image upload and delete", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Pic" })
      expect(user.hasImage).toBe(false)
      const uploaded = yield* Users.setProfileImage({
        userId: user.id,
        file: new Uint8Array([137, 80, 78, 71])
      })
      expect(uploaded.hasImage).toBe(true)
      expect(uploaded.imageUrl).toMatch(/^https:\/\/img\.clerk\.emulator\.local\/img_\w+$/)
      expect(uploaded.profileImageUrl).toBe(uploaded.imageUrl)
      const read = yield* Users.get({ userId: user.id })
      expect([read.hasImage, read.imageUrl]).toEqual([true, uploaded.imageUrl])
      const cleared = yield* Users.deleteProfileImage({ userId: user.id })
      expect([cleared.hasImage, cleared.imageUrl]).toEqual([false, user.imageUrl])
      const noFile = yield* Effect.flip(Users.setProfileImage({ userId: user.id }))
      expect(noFile).toMatchObject({
        _tag: "ClerkBadRequest",
        errors: [{ code: "form_param_missing", meta: { param_name: "file" } }]
      })
      const missing = yield* Effect.flip(
        Users.setProfileImage({ userId: "user_missing", file: new Uint8Array([1]) })
      )
      expect(missing._tag).toBe("ClerkNotFound")
    }))

  test("organization logo upload and delete", () =>
    Effect.gen(function* () {
      const uploader = yield* Users.create({ firstName: "Logo" })
      const org = yield* Organizations.create({ name: "Logo Co" })
      expect(org.hasImage).toBe(false)
      const file = new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" })
      const withLogo = yield* Organizations.uploadLogo({
        organizationId: org.id,
        file,
        uploaderUserId: uploader.id
      })
      expect(withLogo.hasImage).toBe(true)
      expect(withLogo.imageUrl).toMatch(/^https:\/\/img\.clerk\.emulator\.local\/img_\w+$/)
      expect(withLogo.logoUrl).toBe(withLogo.imageUrl)
      const read = yield* Organizations.get({ organizationId: org.id })
      expect([read.hasImage, read.imageUrl]).toEqual([true, withLogo.imageUrl])
      const replaced = yield* Organizations.uploadLogo({ organizationId: org.id, file })
      expect(replaced.imageUrl).not.toBe(withLogo.imageUrl)
      const cleared = yield* Organizations.deleteLogo({ organizationId: org.id })
      expect([cleared.hasImage, cleared.imageUrl]).toEqual([false, org.imageUrl])
      const empty = yield* Effect.flip(
        Organizations.uploadLogo({ organizationId: org.id, file: new Uint8Array() })
      )
      expect(empty).toMatchObject({ _tag: "ClerkBadRequest", errors: [{ code: "form_param_value_invalid" }] })
    }))

  test("session tokens verify against the JWKS", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Tok" })
      const session = yield* Sessions.create({ userId: user.id })
      const token = yield* Sessions.createToken({ sessionId: session.id })
      const jwks = yield* Jwks.getJWKS()
      const keys = (jwks.keys ?? []).flatMap((key: unknown) => (isJwk(key) ? [key] : []))
      const { payload } = yield* Effect.promise(() => jwtVerify(token.jwt ?? "", createLocalJWKSet({ keys })))
      expect(payload).toMatchObject({ sub: user.id, sid: session.id, v: 2 })
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const withAzp = yield* emulator.sessionToken(session.id, { azp: "https://app.example.com" })
      const { payload: azp } = yield* Effect.promise(() => jwtVerify(withAzp, createLocalJWKSet({ keys })))
      expect(azp.azp).toBe("https://app.example.com")
    }))
}

describe("SDK against ClerkEmulator.layer", () => scenarios(viaLayer))
describe("SDK against ClerkEmulator.serve", () => scenarios(viaServer))
