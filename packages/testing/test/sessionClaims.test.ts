import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportPKCS8,
  generateKeyPair,
  jwtVerify
} from "jose"
import { at, str } from "./harness.js"

// Organization roles and permissions, the organization claims of session tokens,
// the active organization of a session, and JWT templates.

const withEmulator = <A, E>(body: (emulator: ClerkEmulator.Emulator) => Effect.Effect<A, E>) =>
  Effect.flatMap(ClerkEmulator.make(), body)

const claimsOf = (emulator: ClerkEmulator.Emulator, sessionId: string) =>
  Effect.map(emulator.sessionToken(sessionId), (jwt) => decodeJwt(jwt))

/** A seed's typed SDK error, as status and code. */
const seedErrorOf = <A>(effect: Effect.Effect<A, ClerkEmulator.SeedError>) =>
  Effect.map(Effect.flip(effect), (error) => ({
    status: "status" in error ? error.status : undefined,
    code: "errors" in error ? error.errors[0]?.code : undefined
  }))

const errorOf = <A>(effect: Effect.Effect<A, ClerkEmulator.ClerkEmulatorError>) =>
  Effect.map(Effect.flip(effect), (error) => ({
    status: error.status,
    code: at(error.body, "errors", 0, "code")
  }))

describe("organization roles and permissions", () => {
  it.effect("every instance has Clerk's Admin and Member roles with their system permissions", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const roles = yield* emulator.request("GET", "organization_roles?order_by=key")
        expect(at(roles, "total_count")).toBe(2)
        const keys = (role: number) =>
          (at(roles, "data", role, "permissions") as ReadonlyArray<{ key: string }>).map((p) => p.key)
        expect([at(roles, "data", 0, "key"), at(roles, "data", 0, "is_creator_eligible")]).toEqual([
          "org:admin",
          true
        ])
        expect(keys(0)).toEqual([
          "org:sys_profile:manage",
          "org:sys_profile:delete",
          "org:sys_memberships:read",
          "org:sys_memberships:manage",
          "org:sys_domains:read",
          "org:sys_domains:manage"
        ])
        expect(keys(1)).toEqual(["org:sys_memberships:read"])
        const system = yield* emulator.request("GET", "organization_permissions?query=sys_profile:manage")
        expect(at(system, "data", 0, "type")).toBe("system")
        const id = str(system, "data", 0, "id")
        expect(
          yield* errorOf(emulator.request("PATCH", `organization_permissions/${id}`, { name: "x" }))
        ).toEqual({ status: 403, code: "system_permission_immutable" })
        expect(yield* errorOf(emulator.request("DELETE", `organization_permissions/${id}`))).toEqual({
          status: 403,
          code: "system_permission_immutable"
        })
      })
    )
  )

  it.effect("custom roles hold custom permissions; memberships take them and list their keys", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const create = (key: string) =>
          Effect.map(emulator.request("POST", "organization_permissions", { name: key, key }), (p) =>
            str(p, "id")
          )
        const read = yield* create("org:invoices:read")
        const manage = yield* create("org:invoices:manage")
        expect(
          yield* errorOf(
            emulator.request("POST", "organization_permissions", { name: "x", key: "org:sys_x:y" })
          )
        ).toEqual({ status: 422, code: "form_param_format_invalid" })
        expect(
          yield* errorOf(emulator.request("POST", "organization_permissions", { name: "x", key: "invoices" }))
        ).toEqual({ status: 422, code: "form_param_format_invalid" })
        expect(
          yield* errorOf(
            emulator.request("POST", "organization_permissions", { name: "x", key: "org:invoices:read" })
          )
        ).toEqual({ status: 422, code: "form_identifier_exists" })

        const role = yield* emulator.request("POST", "organization_roles", {
          name: "Accountant",
          key: "org:accountant",
          permissions: [read]
        })
        const roleId = str(role, "id")
        expect(at(role, "permissions", 0, "key")).toBe("org:invoices:read")
        expect(
          yield* errorOf(emulator.request("POST", "organization_roles", { name: "A", key: "org:accountant" }))
        ).toEqual({ status: 422, code: "form_identifier_exists" })
        expect(
          yield* errorOf(
            emulator.request("POST", "organization_roles", {
              name: "B",
              key: "org:b",
              permissions: ["perm_x"]
            })
          )
        ).toEqual({ status: 404, code: "resource_not_found" })
        yield* emulator.request("POST", `organization_roles/${roleId}/permissions/${manage}`)
        expect(
          yield* errorOf(emulator.request("POST", `organization_roles/${roleId}/permissions/${manage}`))
        ).toEqual({ status: 409, code: "permission_already_assigned" })

        const ada = yield* emulator.seedUser({ firstName: "Ada" })
        const grace = yield* emulator.seedUser({ firstName: "Grace" })
        const org = yield* emulator.seedOrganization({ name: "Engines", createdBy: ada.id })
        const membership = yield* emulator.seedMembership({
          organizationId: org.id,
          userId: grace.id,
          role: "org:accountant"
        })
        expect([membership.roleName, membership.permissions]).toEqual([
          "Accountant",
          ["org:invoices:read", "org:invoices:manage"]
        ])
        expect(
          yield* seedErrorOf(
            emulator.seedMembership({ organizationId: org.id, userId: ada.id, role: "org:nobody" })
          )
        ).toEqual({ status: 422, code: "form_param_value_invalid" })
        expect(yield* errorOf(emulator.request("DELETE", `organization_roles/${roleId}`))).toEqual({
          status: 422,
          code: "organization_role_in_use"
        })

        yield* emulator.request("DELETE", `organization_roles/${roleId}/permissions/${read}`)
        expect(
          yield* errorOf(emulator.request("DELETE", `organization_roles/${roleId}/permissions/${read}`))
        ).toEqual({ status: 422, code: "permission_not_assigned" })
        // Renaming the key carries the members along; deleting a permission takes it from its roles.
        yield* emulator.request("PATCH", `organization_roles/${roleId}`, { key: "org:bookkeeper" })
        const members = yield* emulator.request(
          "GET",
          `organizations/${org.id}/memberships?role=org:bookkeeper`
        )
        expect(at(members, "data", 0, "permissions")).toEqual(["org:invoices:manage"])
        yield* emulator.request("DELETE", `organization_permissions/${manage}`)
        expect(at(yield* emulator.request("GET", `organization_roles/${roleId}`), "permissions")).toEqual([])
      })
    )
  )
})

describe("organization claims of session tokens", () => {
  it.effect("carry the role's custom permissions as Clerk's v2 per, fpm and fea; no system permission", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const ids: Record<string, string> = {}
        for (const key of [
          "org:invoices:read",
          "org:invoices:manage",
          "org:reports:read",
          "org:reports:export"
        ]) {
          ids[key] = str(
            yield* emulator.request("POST", "organization_permissions", { name: key, key }),
            "id"
          )
        }
        const memberRead = str(
          yield* emulator.request("GET", "organization_permissions?query=org:sys_memberships:read"),
          "data",
          0,
          "id"
        )
        yield* emulator.request("POST", "organization_roles", {
          name: "Accountant",
          key: "org:accountant",
          permissions: [
            ids["org:invoices:read"],
            memberRead,
            ids["org:reports:export"],
            ids["org:invoices:manage"],
            ids["org:reports:read"]
          ]
        })
        const ada = yield* emulator.seedUser({ firstName: "Ada" })
        const org = yield* emulator.seedOrganization({ name: "Engines", slug: "engines", createdBy: ada.id })
        const grace = yield* emulator.seedUser({ firstName: "Grace" })
        yield* emulator.seedMembership({ organizationId: org.id, userId: grace.id, role: "org:accountant" })
        const session = yield* emulator.seedSession({ userId: grace.id })
        const claims = yield* claimsOf(emulator, session.id)
        // Features in the order first met: invoices, reports. Names: read (bit 0), export (1), manage (2).
        // invoices has read and manage: 0b101 = 5; reports has export and read: 0b011 = 3.
        expect(claims).toMatchObject({
          v: 2,
          fea: "o:invoices,o:reports",
          o: { id: org.id, slg: "engines", rol: "accountant", per: "read,export,manage", fpm: "5,3" }
        })

        // The admin holds system permissions only: nothing to encode.
        const admin = yield* claimsOf(emulator, (yield* emulator.seedSession({ userId: ada.id })).id)
        expect(admin.o).toEqual({ id: org.id, slg: "engines", rol: "admin", per: "", fpm: "" })
        expect(admin.fea).toBeUndefined()
      })
    )
  )

  it.effect("a session starts in the organization last created or joined; the seed API switches it", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const ada = yield* emulator.seedUser({ firstName: "Ada" })
        expect((yield* emulator.seedSession({ userId: ada.id })).lastActiveOrganizationId ?? null).toBeNull()
        const first = yield* emulator.seedOrganization({ name: "First", createdBy: ada.id })
        const owner = yield* emulator.seedUser({ firstName: "Owner" })
        const joined = yield* emulator.seedOrganization({ name: "Joined", createdBy: owner.id })
        yield* emulator.seedMembership({ organizationId: joined.id, userId: ada.id, role: "org:member" })
        const session = yield* emulator.seedSession({ userId: ada.id })
        expect(session.lastActiveOrganizationId).toBe(joined.id)
        expect((yield* claimsOf(emulator, session.id)).o).toMatchObject({ id: joined.id, rol: "member" })
        // Created after joining: the newest wins.
        const created = yield* emulator.seedOrganization({ name: "Created", createdBy: ada.id })
        expect((yield* emulator.seedSession({ userId: ada.id })).lastActiveOrganizationId).toBe(created.id)

        const switched = yield* emulator.setActiveOrganization(session.id, first.id)
        expect(switched.lastActiveOrganizationId).toBe(first.id)
        expect(
          at(yield* emulator.request("GET", `sessions/${session.id}`), "last_active_organization_id")
        ).toBe(first.id)
        expect((yield* claimsOf(emulator, session.id)).o).toMatchObject({ id: first.id, rol: "admin" })
        yield* emulator.setActiveOrganization(session.id, null)
        expect((yield* claimsOf(emulator, session.id)).o).toBeUndefined()
        const stranger = yield* emulator.seedOrganization({ name: "Stranger", createdBy: owner.id })
        expect(yield* errorOf(emulator.setActiveOrganization(session.id, stranger.id))).toEqual({
          status: 422,
          code: "form_param_value_invalid"
        })
        expect(yield* errorOf(emulator.setActiveOrganization("sess_missing", null))).toEqual({
          status: 404,
          code: "resource_not_found"
        })
      })
    )
  )
})

describe("JWT templates", () => {
  it.effect(
    "a template's token fills its shortcodes, then Clerk's default claims, signed by the instance",
    () =>
      withEmulator((emulator) =>
        Effect.gen(function* () {
          const user = yield* emulator.seedUser({
            emailAddress: ["maria@example.com"],
            firstName: "Maria",
            lastName: "Doe",
            externalId: "ext_1",
            publicMetadata: { profile: { interests: ["reading", "climbing"] } },
            unsafeMetadata: { foo: { bar: 42 } }
          })
          const org = yield* emulator.seedOrganization({
            name: "Engines",
            slug: "engines",
            createdBy: user.id,
            publicMetadata: { tier: "gold" }
          })
          const session = yield* emulator.seedSession({ userId: user.id })
          const template = yield* emulator.request("POST", "jwt_templates", {
            name: "backend",
            lifetime: 120,
            allowed_clock_skew: 10,
            claims: {
              aud: "https://api.example.com",
              version: 1,
              nested: { list: [1, "{{user.id}}"] },
              user_id: "{{user.id}}",
              external: "{{user.external_id}}",
              email: "{{user.primary_email_address}}",
              verified: "{{user.email_verified}}",
              phone: "{{user.primary_phone_address}}",
              full_name: "{{user.last_name}} {{user.first_name}} ",
              greeting: "Hi {{user.username}}",
              interests: "{{user.public_metadata.profile.interests}}",
              unsafe: "{{user.unsafe_metadata}}",
              fallback: "{{user.username || user.public_metadata.nick || 'Anonymous'}}",
              number: "{{user.public_metadata.age || 30}}",
              all_falsy: "{{user.username || false}}",
              missing: "{{user.i_dont_exist}}",
              org_id: "{{org.id}}",
              org_slug: "{{org.slug}}",
              tier: "{{org.public_metadata.tier}}",
              role: "{{org_membership.role}}",
              organizations: "{{user.organizations}}",
              registered: "{{user.created_at}}",
              sub: "not the user",
              iss: "not the issuer"
            }
          })
          expect(template).toMatchObject({
            object: "jwt_template",
            name: "backend",
            lifetime: 120,
            allowed_clock_skew: 10,
            custom_signing_key: false,
            signing_algorithm: "RS256"
          })
          const token = yield* emulator.request("POST", `sessions/${session.id}/tokens/backend`)
          const { payload, protectedHeader } = yield* Effect.promise(() =>
            jwtVerify(str(token, "jwt"), createLocalJWKSet({ keys: [...emulator.jwks.keys] }), {
              issuer: emulator.issuer,
              audience: "https://api.example.com"
            })
          )
          expect(protectedHeader.kid).toBe(emulator.jwks.keys[0]?.kid)
          const created = Number(at(yield* emulator.request("GET", `users/${user.id}`), "created_at"))
          expect(payload).toEqual({
            aud: "https://api.example.com",
            version: 1,
            nested: { list: [1, user.id] },
            user_id: user.id,
            external: "ext_1",
            email: "maria@example.com",
            verified: true,
            phone: null,
            full_name: "Doe Maria",
            greeting: "Hi null",
            interests: ["reading", "climbing"],
            unsafe: { foo: { bar: 42 } },
            fallback: "Anonymous",
            number: 30,
            all_falsy: false,
            missing: null,
            org_id: org.id,
            org_slug: "engines",
            tier: "gold",
            role: "org:admin",
            organizations: { [org.id]: "org:admin" },
            registered: Math.floor(created / 1000),
            sub: user.id,
            iss: emulator.issuer,
            iat: payload.iat,
            exp: Number(payload.iat) + 120,
            nbf: Number(payload.iat) - 10,
            jti: payload.jti
          })
          expect(payload.sid).toBeUndefined()
          const shorter = yield* emulator.request("POST", `sessions/${session.id}/tokens/backend`, {
            expires_in_seconds: 45
          })
          const claims = decodeJwt(str(shorter, "jwt"))
          expect(Number(claims.exp) - Number(claims.iat)).toBe(45)
        })
      )
  )

  it.effect("a missing template answers 404; custom signing keys sign with their algorithm", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const user = yield* emulator.seedUser({ firstName: "Ada" })
        const session = yield* emulator.seedSession({ userId: user.id })
        expect(yield* errorOf(emulator.request("POST", `sessions/${session.id}/tokens/nope`))).toEqual({
          status: 404,
          code: "resource_not_found"
        })
        yield* emulator.request("POST", "jwt_templates", {
          name: "hmac",
          claims: { name: "{{user.first_name}}" },
          custom_signing_key: true,
          signing_algorithm: "HS256",
          signing_key: "a shared secret of enough length!"
        })
        const hmac = str(yield* emulator.request("POST", `sessions/${session.id}/tokens/hmac`), "jwt")
        const verified = yield* Effect.promise(() =>
          jwtVerify(hmac, new TextEncoder().encode("a shared secret of enough length!"))
        )
        expect([verified.protectedHeader.alg, verified.payload.name, verified.payload.sub]).toEqual([
          "HS256",
          "Ada",
          user.id
        ])
        expect(Number(verified.payload.exp) - Number(verified.payload.iat)).toBe(60)
        expect(Number(verified.payload.iat) - Number(verified.payload.nbf)).toBe(5)

        const { privateKey, publicKey } = yield* Effect.promise(() =>
          generateKeyPair("ES256", { extractable: true })
        )
        const pem = yield* Effect.promise(() => exportPKCS8(privateKey))
        const es = yield* emulator.request("POST", "jwt_templates", {
          name: "ecdsa",
          claims: {},
          custom_signing_key: true,
          signing_algorithm: "ES256",
          signing_key: pem
        })
        expect(es).not.toHaveProperty("signing_key")
        const signed = str(yield* emulator.request("POST", `sessions/${session.id}/tokens/ecdsa`), "jwt")
        expect(decodeProtectedHeader(signed).alg).toBe("ES256")
        expect((yield* Effect.promise(() => jwtVerify(signed, publicKey))).payload.sub).toBe(user.id)

        const refused = (body: Record<string, unknown>) =>
          errorOf(emulator.request("POST", "jwt_templates", { name: "bad", claims: {}, ...body }))
        expect(
          yield* refused({ custom_signing_key: true, signing_algorithm: "RS256", signing_key: "x" })
        ).toEqual({
          status: 422,
          code: "form_param_value_invalid"
        })
        expect(
          yield* refused({ custom_signing_key: true, signing_algorithm: "none", signing_key: "x" })
        ).toEqual({
          status: 422,
          code: "form_param_value_invalid"
        })
        expect(yield* refused({ custom_signing_key: true, signing_algorithm: "HS256" })).toEqual({
          status: 422,
          code: "form_param_missing"
        })
        expect(yield* refused({ name: "hmac" })).toEqual({ status: 422, code: "form_identifier_exists" })
        expect(yield* refused({ lifetime: 10 })).toEqual({ status: 422, code: "form_param_value_invalid" })
        const templates = yield* emulator.request("GET", "jwt_templates")
        expect(at(templates, "length")).toBe(2)

        // An update keeps what it does not name; a deleted template makes no more tokens.
        const hmacId = str(templates, 1, "id")
        expect(str(templates, 1, "name")).toBe("hmac")
        const updated = yield* emulator.request("PATCH", `jwt_templates/${hmacId}`, {
          name: "hmac",
          claims: { name: "{{user.first_name}}" },
          lifetime: 600
        })
        expect(updated).toMatchObject({ lifetime: 600, custom_signing_key: true, signing_algorithm: "HS256" })
        const longer = decodeJwt(
          str(yield* emulator.request("POST", `sessions/${session.id}/tokens/hmac`), "jwt")
        )
        expect(Number(longer.exp) - Number(longer.iat)).toBe(600)
        yield* emulator.request("DELETE", `jwt_templates/${hmacId}`)
        expect(yield* errorOf(emulator.request("POST", `sessions/${session.id}/tokens/hmac`))).toEqual({
          status: 404,
          code: "resource_not_found"
        })
      })
    )
  )
})
