import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose"
import {
  type ApiTag,
  at,
  type CallOptions,
  call,
  createUser,
  idPattern,
  ids,
  isJwk,
  list,
  ok,
  str
} from "./harness.js"

const clerkError = (status: number, code: string) => ({
  status,
  body: {
    errors: [
      expect.objectContaining({
        code,
        message: expect.any(String),
        long_message: expect.any(String),
        meta: expect.any(Object)
      })
    ],
    clerk_trace_id: expect.stringMatching(/^[0-9a-f]{32}$/)
  }
})

/** The behaviour of the emulator, run once per transport. */
export const scenarios = (layer: Layer.Layer<ApiTag>) => {
  const test = (name: string, body: () => Effect.Effect<void, never, ApiTag>) =>
    it.effect(name, () => Effect.provide(body(), layer))

  describe("users", () => {
    test("create answers a user with Clerk ids, epoch-ms timestamps and the first email primary", () =>
      Effect.gen(function* () {
        const before = Date.now()
        const user = yield* createUser({
          email_address: ["Ada@Example.com", "ada2@example.com"],
          phone_number: ["+15555550100"],
          first_name: "Ada",
          username: "ada_l",
          password: "correct horse battery"
        })
        expect(str(user, "id")).toMatch(idPattern("user"))
        expect(user).toMatchObject({
          object: "user",
          first_name: "Ada",
          last_name: null,
          username: "ada_l",
          password_enabled: true,
          banned: false,
          locked: false,
          public_metadata: {},
          external_id: null
        })
        const createdAt = at(user, "created_at")
        expect(typeof createdAt === "number" && createdAt >= before && createdAt <= Date.now()).toBe(true)
        const emails = list(user, "email_addresses")
        expect(emails).toHaveLength(2)
        expect(str(user, "email_addresses", 0, "id")).toMatch(idPattern("idn"))
        expect(at(user, "email_addresses", 0, "email_address")).toBe("ada@example.com")
        expect(at(user, "email_addresses", 0, "verification", "status")).toBe("verified")
        expect(at(user, "primary_email_address_id")).toBe(at(user, "email_addresses", 0, "id"))
        expect(str(user, "phone_numbers", 0, "id")).toMatch(idPattern("idn"))
        expect(at(user, "primary_phone_number_id")).toBe(at(user, "phone_numbers", 0, "id"))
        const same = yield* ok("GET", `/users/${str(user, "id")}`)
        expect(same).toEqual(user)
      }))

    test("existing email, phone and username answer 422 form_identifier_exists", () =>
      Effect.gen(function* () {
        yield* createUser({
          email_address: ["taken@example.com"],
          phone_number: ["+15555550101"],
          username: "taken"
        })
        for (const body of [
          { email_address: ["TAKEN@example.com"] },
          { phone_number: ["+15555550101"] },
          { username: "Taken" }
        ]) {
          const reply = yield* call("POST", "/users", { body })
          expect(reply).toMatchObject(clerkError(422, "form_identifier_exists"))
        }
        const count = yield* ok("GET", "/users/count")
        expect(count).toEqual({ object: "total_count", total_count: 1 })
      }))

    test("invalid input answers 422 with Clerk's form codes", () =>
      Effect.gen(function* () {
        expect(yield* call("POST", "/users", { body: { email_address: ["not-an-email"] } })).toMatchObject(
          clerkError(422, "form_param_format_invalid")
        )
        expect(yield* call("POST", "/users", { body: { password: "short" } })).toMatchObject(
          clerkError(422, "form_password_length_too_short")
        )
        expect(yield* call("POST", "/users", { body: { username: "ab" } })).toMatchObject(
          clerkError(422, "form_username_invalid_length")
        )
      }))

    test("unknown ids answer 404 resource_not_found", () =>
      Effect.gen(function* () {
        for (const path of [
          "/users/user_missing",
          "/organizations/org_missing",
          "/sessions/sess_missing",
          "/email_addresses/idn_missing",
          "/phone_numbers/idn_missing"
        ]) {
          expect(yield* call("GET", path)).toMatchObject(clerkError(404, "resource_not_found"))
        }
        expect(yield* call("DELETE", "/users/user_missing")).toMatchObject(
          clerkError(404, "resource_not_found")
        )
      }))

    test("requests without a bearer secret answer Clerk's 401 authorization_header_format_invalid", () =>
      Effect.gen(function* () {
        const headerInvalid = {
          status: 401,
          body: {
            errors: [
              {
                code: "authorization_header_format_invalid",
                message: "Invalid Authorization header format",
                long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
                meta: {}
              }
            ],
            clerk_trace_id: expect.any(String)
          }
        }
        expect(yield* call("GET", "/users", { secretKey: null })).toEqual(headerInvalid)
        expect(yield* call("GET", "/jwks", { secretKey: null })).toEqual(headerInvalid)
      }))

    test("list filters users by identifiers, ids and query", () =>
      Effect.gen(function* () {
        const ada = yield* createUser({
          email_address: ["ada@example.com"],
          first_name: "Ada",
          last_name: "Lovelace",
          username: "ada_l",
          external_id: "ext-1"
        })
        const alan = yield* createUser({
          email_address: ["alan@example.com"],
          phone_number: ["+15555550102"],
          first_name: "Alan",
          last_name: "Turing"
        })
        const grace = yield* createUser({ email_address: ["grace@navy.mil"], first_name: "Grace" })
        const listed = (query: NonNullable<CallOptions["query"]>) =>
          Effect.map(ok("GET", "/users", { query }), (body) => ids(body))
        expect(yield* listed({ email_address: ["ADA@example.com", "grace@navy.mil"] })).toEqual([
          str(grace, "id"),
          str(ada, "id")
        ])
        expect(yield* listed({ phone_number: ["+15555550102"] })).toEqual([str(alan, "id")])
        expect(yield* listed({ external_id: ["ext-1"] })).toEqual([str(ada, "id")])
        expect(yield* listed({ username: ["ada_l"] })).toEqual([str(ada, "id")])
        expect(yield* listed({ user_id: [str(alan, "id"), str(grace, "id")] })).toEqual([
          str(grace, "id"),
          str(alan, "id")
        ])
        expect(yield* listed({ query: "turing" })).toEqual([str(alan, "id")])
        expect(yield* listed({ query: "example.com" })).toEqual([str(alan, "id"), str(ada, "id")])
        expect(yield* listed({ email_address_query: "navy" })).toEqual([str(grace, "id")])
        expect(yield* listed({ name_query: "ada love" })).toEqual([str(ada, "id")])
        expect(yield* listed({ created_at_after: Number(at(ada, "created_at")) })).toEqual([
          str(grace, "id"),
          str(alan, "id")
        ])
        expect(yield* listed({ web3_wallet: ["0x0"] })).toEqual([])
        expect(yield* ok("GET", "/users/count", { query: { query: "example.com" } })).toEqual({
          object: "total_count",
          total_count: 2
        })
      }))

    test("list orders with +/- order_by and pages with limit/offset", () =>
      Effect.gen(function* () {
        const names = ["Carol", "alice", "Bob"]
        const created = []
        for (const first_name of names) created.push(str(yield* createUser({ first_name }), "id"))
        const listed = (query: Record<string, string | number>) =>
          Effect.map(ok("GET", "/users", { query }), (body) => ids(body))
        expect(yield* listed({})).toEqual([...created].reverse())
        expect(yield* listed({ order_by: "+created_at" })).toEqual(created)
        expect(yield* listed({ order_by: "created_at" })).toEqual(created)
        expect(yield* listed({ order_by: "-first_name", limit: 2 })).toEqual([created[0], created[2]])
        expect(yield* listed({ order_by: "+created_at", limit: 1, offset: 1 })).toEqual([created[1]])
        expect(yield* call("GET", "/users", { query: { limit: 501 } })).toMatchObject(
          clerkError(422, "form_param_value_invalid")
        )
        expect(yield* call("GET", "/users", { query: { order_by: "-shoe_size" } })).toMatchObject(
          clerkError(422, "form_param_value_invalid")
        )
      }))

    test("limit defaults to 10 and accepts 500", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 12; i++) yield* createUser({ first_name: `u${i}` })
        expect(list(yield* ok("GET", "/users"))).toHaveLength(10)
        expect(list(yield* ok("GET", "/users", { query: { limit: 500 } }))).toHaveLength(12)
      }))

    test("update validates primary_email_address_id against the user's own emails", () =>
      Effect.gen(function* () {
        const ada = yield* createUser({ email_address: ["ada@example.com", "ada@work.example"] })
        const other = yield* createUser({ email_address: ["other@example.com"] })
        const path = `/users/${str(ada, "id")}`
        expect(
          yield* call("PATCH", path, {
            body: { primary_email_address_id: str(other, "email_addresses", 0, "id") }
          })
        ).toMatchObject(clerkError(422, "form_param_value_invalid"))
        const updated = yield* ok("PATCH", path, {
          body: { primary_email_address_id: str(ada, "email_addresses", 1, "id"), last_name: "Lovelace" }
        })
        expect(at(updated, "primary_email_address_id")).toBe(at(ada, "email_addresses", 1, "id"))
        expect(at(updated, "last_name")).toBe("Lovelace")
        expect(Number(at(updated, "updated_at"))).toBeGreaterThan(Number(at(ada, "updated_at")))
        expect(yield* call("PATCH", path, { body: { username: "taken_name" } })).toMatchObject({
          status: 200
        })
        expect(
          yield* call("PATCH", `/users/${str(other, "id")}`, { body: { username: "TAKEN_NAME" } })
        ).toMatchObject(clerkError(422, "form_identifier_exists"))
        expect(at(yield* ok("PATCH", path, { body: { username: null } }), "username")).toBeNull()
      }))

    test("ban, unban, lock and unlock", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Mallory" })
        const id = str(user, "id")
        expect(yield* ok("POST", `/users/${id}/ban`)).toMatchObject({ banned: true })
        expect(yield* ok("GET", "/users", { query: { banned: true } })).toEqual([
          expect.objectContaining({ id })
        ])
        expect(yield* ok("POST", `/users/${id}/unban`)).toMatchObject({ banned: false })
        expect(yield* ok("POST", `/users/${id}/lock`)).toMatchObject({
          locked: true,
          verification_attempts_remaining: 0
        })
        expect(yield* ok("POST", `/users/${id}/unlock`)).toMatchObject({ locked: false })
        const other = str(yield* createUser({ first_name: "Eve" }), "id")
        const banned = yield* ok("POST", "/users/ban", { body: { user_ids: [id, other] } })
        expect(banned).toEqual([
          expect.objectContaining({ id, banned: true }),
          expect.objectContaining({ banned: true })
        ])
        expect(yield* ok("POST", "/users/unban", { body: { user_ids: [id] } })).toEqual([
          expect.objectContaining({ id, banned: false })
        ])
      }))

    test("metadata PATCH deep-merges and null removes a key; PUT replaces", () =>
      Effect.gen(function* () {
        const user = yield* createUser({
          public_metadata: { plan: "pro", flags: { beta: true, legacy: true } },
          private_metadata: { stripe: "cus_1" }
        })
        const path = `/users/${str(user, "id")}/metadata`
        const merged = yield* ok("PATCH", path, {
          body: {
            public_metadata: { flags: { legacy: null, dark: true }, seats: 3 },
            unsafe_metadata: { theme: "x" }
          }
        })
        expect(merged).toMatchObject({
          public_metadata: { plan: "pro", seats: 3, flags: { beta: true, dark: true } },
          private_metadata: { stripe: "cus_1" },
          unsafe_metadata: { theme: "x" }
        })
        expect(at(merged, "public_metadata", "flags")).toEqual({ beta: true, dark: true })
        const replaced = yield* ok("PUT", path, { body: { public_metadata: { only: 1 } } })
        expect(at(replaced, "public_metadata")).toEqual({ only: 1 })
        expect(at(replaced, "private_metadata")).toEqual({ stripe: "cus_1" })
      }))

    test("deleting a user cascades to emails, phones, memberships and sessions", () =>
      Effect.gen(function* () {
        const user = yield* createUser({
          email_address: ["gone@example.com"],
          phone_number: ["+15555550103"]
        })
        const id = str(user, "id")
        const org = yield* ok("POST", "/organizations", { body: { name: "Acme", created_by: id } })
        const session = yield* ok("POST", "/sessions", { body: { user_id: id } })
        expect(yield* ok("DELETE", `/users/${id}`)).toEqual({ object: "user", id, deleted: true })
        expect((yield* call("GET", `/users/${id}`)).status).toBe(404)
        expect((yield* call("GET", `/email_addresses/${str(user, "email_addresses", 0, "id")}`)).status).toBe(
          404
        )
        expect((yield* call("GET", `/phone_numbers/${str(user, "phone_numbers", 0, "id")}`)).status).toBe(404)
        expect((yield* call("GET", `/sessions/${str(session, "id")}`)).status).toBe(404)
        expect(yield* ok("GET", `/organizations/${str(org, "id")}/memberships`)).toEqual({
          data: [],
          total_count: 0
        })
        // The address is free again.
        expect(
          (yield* call("POST", "/users", { body: { email_address: ["gone@example.com"] } })).status
        ).toBe(200)
      }))
  })

  describe("GET /users starting_after", () => {
    // Users sharing a created_at (set in the body) test that ties have one fixed order.
    const seedUsers = Effect.gen(function* () {
      const tie = "2024-01-01T00:00:00Z"
      for (let i = 0; i < 4; i++) yield* createUser({ first_name: `tie${i}`, created_at: tie })
      for (let i = 0; i < 3; i++) yield* createUser({ first_name: `new${i}` })
      return ids(yield* ok("GET", "/users", { query: { limit: 500 } }))
    })

    const walk = (
      query: Record<string, string | number>,
      between: (page: number) => Effect.Effect<unknown, never, ApiTag>
    ) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        let cursor: string | undefined
        for (let page = 0; page < 20; page++) {
          const found = ids(
            yield* ok("GET", "/users", {
              query: { ...query, limit: 2, ...(cursor === undefined ? {} : { starting_after: cursor }) }
            })
          )
          seen.push(...found)
          yield* between(page)
          if (found.length < 2) return seen
          cursor = found[found.length - 1]
        }
        return seen
      })

    test("a walk yields every user once, in the list's order, while users are created and deleted", () =>
      Effect.gen(function* () {
        const existing = yield* seedUsers
        expect(existing).toHaveLength(7)
        const newestFirst = yield* walk({}, (page) => createUser({ first_name: `during${page}` }))
        expect(newestFirst).toEqual(existing)
        const all = ids(yield* ok("GET", "/users", { query: { limit: 500 } }))
        const oldestFirst = ids(
          yield* ok("GET", "/users", { query: { limit: 500, order_by: "+created_at" } })
        )
        expect(oldestFirst).toEqual([...all].reverse())
        // Deleting the user that ended the page does not lose the walk's place.
        const deleting = yield* walk({ order_by: "created_at" }, (page) =>
          page === 0 ? ok("DELETE", `/users/${oldestFirst[1]}`) : Effect.void
        )
        expect(deleting).toEqual(oldestFirst)
      }))

    test("a cursor with another order_by, a non-zero offset or an unknown id answers 422", () =>
      Effect.gen(function* () {
        const existing = yield* seedUsers
        const cursor = existing[0] ?? ""
        for (const query of [
          { starting_after: cursor, order_by: "username" },
          { starting_after: cursor, order_by: "-updated_at" },
          { starting_after: cursor, offset: 1 },
          { starting_after: "user_missing" }
        ]) {
          expect(yield* call("GET", "/users", { query })).toMatchObject(
            clerkError(422, "form_param_value_invalid")
          )
        }
        expect(ids(yield* ok("GET", "/users", { query: { starting_after: cursor, offset: 0 } }))).toEqual(
          existing.slice(1)
        )
      }))
  })

  describe("email addresses and phone numbers", () => {
    test("adding, promoting and deleting emails keeps a valid primary", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ email_address: ["first@example.com"] })
        const userId = str(user, "id")
        const first = str(user, "email_addresses", 0, "id")
        const second = yield* ok("POST", "/email_addresses", {
          body: { user_id: userId, email_address: "second@example.com", verified: true }
        })
        expect(str(second, "id")).toMatch(idPattern("idn"))
        expect(second).toMatchObject({
          object: "email_address",
          email_address: "second@example.com",
          reserved: false
        })
        expect(at(yield* ok("GET", `/users/${userId}`), "primary_email_address_id")).toBe(first)
        expect(
          yield* call("POST", "/email_addresses", {
            body: { user_id: userId, email_address: "FIRST@example.com" }
          })
        ).toMatchObject(clerkError(422, "form_identifier_exists"))
        yield* ok("PATCH", `/email_addresses/${str(second, "id")}`, { body: { primary: true } })
        expect(at(yield* ok("GET", `/users/${userId}`), "primary_email_address_id")).toBe(str(second, "id"))
        expect(yield* ok("DELETE", `/email_addresses/${str(second, "id")}`)).toEqual({
          object: "email_address",
          id: str(second, "id"),
          deleted: true
        })
        const after = yield* ok("GET", `/users/${userId}`)
        expect(at(after, "primary_email_address_id")).toBe(first)
        yield* ok("DELETE", `/email_addresses/${first}`)
        const empty = yield* ok("GET", `/users/${userId}`)
        expect(at(empty, "primary_email_address_id")).toBeNull()
        expect(list(empty, "email_addresses")).toEqual([])
      }))

    test("an email added unverified can be verified later", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Nobody" })
        const email = yield* ok("POST", "/email_addresses", {
          body: { user_id: str(user, "id"), email_address: "new@example.com" }
        })
        expect(at(email, "verification")).toMatchObject({ status: "unverified", strategy: "email_code" })
        expect(at(yield* ok("GET", `/users/${str(user, "id")}`), "primary_email_address_id")).toBe(
          str(email, "id")
        )
        const verified = yield* ok("PATCH", `/email_addresses/${str(email, "id")}`, {
          body: { verified: true }
        })
        expect(at(verified, "verification", "status")).toBe("verified")
        expect(
          yield* call("POST", "/email_addresses", {
            body: { user_id: "user_missing", email_address: "x@example.com" }
          })
        ).toMatchObject(clerkError(404, "resource_not_found"))
      }))

    test("phone numbers follow the same primary rules", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ phone_number: ["+15555550110"] })
        const userId = str(user, "id")
        const first = str(user, "phone_numbers", 0, "id")
        const second = yield* ok("POST", "/phone_numbers", {
          body: { user_id: userId, phone_number: "+15555550111", primary: true, verified: true }
        })
        expect(second).toMatchObject({ object: "phone_number", phone_number: "+15555550111" })
        expect(at(yield* ok("GET", `/users/${userId}`), "primary_phone_number_id")).toBe(str(second, "id"))
        const reserved = yield* ok("PATCH", `/phone_numbers/${first}`, {
          body: { reserved_for_second_factor: true }
        })
        expect(at(reserved, "reserved_for_second_factor")).toBe(true)
        yield* ok("DELETE", `/phone_numbers/${str(second, "id")}`)
        expect(at(yield* ok("GET", `/users/${userId}`), "primary_phone_number_id")).toBe(first)
        expect(
          yield* call("POST", "/phone_numbers", { body: { user_id: userId, phone_number: "555" } })
        ).toMatchObject(clerkError(422, "form_param_format_invalid"))
      }))
  })

  describe("organizations and memberships", () => {
    test("create, get by id or slug, update and list with data/total_count", () =>
      Effect.gen(function* () {
        const owner = yield* createUser({ email_address: ["owner@example.com"], first_name: "Olive" })
        const acme = yield* ok("POST", "/organizations", {
          body: { name: "Acme Inc", created_by: str(owner, "id") }
        })
        expect(str(acme, "id")).toMatch(idPattern("org"))
        expect(acme).toMatchObject({
          object: "organization",
          name: "Acme Inc",
          slug: "acme-inc",
          created_by: str(owner, "id")
        })
        const globex = yield* ok("POST", "/organizations", { body: { name: "Globex", slug: "globex" } })
        expect(
          yield* call("POST", "/organizations", { body: { name: "Other", slug: "globex" } })
        ).toMatchObject(clerkError(422, "form_identifier_exists"))
        expect(at(yield* ok("POST", "/organizations", { body: { name: "Acme Inc" } }), "slug")).toMatch(
          /^acme-inc-/
        )
        expect(yield* ok("GET", "/organizations/acme-inc")).toMatchObject({ id: str(acme, "id") })
        const page = yield* ok("GET", "/organizations", { query: { limit: 2, include_members_count: true } })
        expect(at(page, "total_count")).toBe(3)
        expect(list(page, "data")).toHaveLength(2)
        const byUser = yield* ok("GET", "/organizations", {
          query: { user_id: [str(owner, "id")], include_members_count: true }
        })
        expect(byUser).toEqual({
          data: [expect.objectContaining({ id: str(acme, "id"), members_count: 1 })],
          total_count: 1
        })
        const byQuery = yield* ok("GET", "/organizations", { query: { query: "glob", order_by: "+name" } })
        expect(ids(byQuery, "data")).toEqual([str(globex, "id")])
        const renamed = yield* ok("PATCH", `/organizations/${str(globex, "id")}`, {
          body: { name: "Globex Corp", max_allowed_memberships: 10 }
        })
        expect(renamed).toMatchObject({ name: "Globex Corp", slug: "globex", max_allowed_memberships: 10 })
      }))

    test("organization metadata merges deeply and null removes a key", () =>
      Effect.gen(function* () {
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Meta", public_metadata: { tier: "gold", limits: { seats: 5, sso: true } } }
        })
        const merged = yield* ok("PATCH", `/organizations/${str(org, "id")}/metadata`, {
          body: { public_metadata: { limits: { sso: null, api: true } }, private_metadata: { crm: "42" } }
        })
        expect(at(merged, "public_metadata")).toEqual({ tier: "gold", limits: { seats: 5, api: true } })
        expect(at(merged, "private_metadata")).toEqual({ crm: "42" })
      }))

    test("memberships: create, reject duplicates and bad roles, list, update, delete", () =>
      Effect.gen(function* () {
        const ada = yield* createUser({ email_address: ["ada@example.com"], first_name: "Ada" })
        const bob = yield* createUser({ email_address: ["bob@example.com"], first_name: "Bob" })
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Team", created_by: str(ada, "id") }
        })
        const orgId = str(org, "id")
        const membership = yield* ok("POST", `/organizations/${orgId}/memberships`, {
          body: { user_id: str(bob, "id"), role: "org:member" }
        })
        expect(str(membership, "id")).toMatch(idPattern("orgmem"))
        expect(membership).toMatchObject({
          object: "organization_membership",
          role: "org:member",
          organization: { id: orgId, object: "organization" },
          public_user_data: { user_id: str(bob, "id"), first_name: "Bob", identifier: "bob@example.com" }
        })
        expect(
          yield* call("POST", `/organizations/${orgId}/memberships`, {
            body: { user_id: str(bob, "id"), role: "org:member" }
          })
        ).toMatchObject(clerkError(422, "already_a_member_in_organization"))
        expect(
          yield* call("POST", `/organizations/${orgId}/memberships`, {
            body: { user_id: "user_missing", role: "org:member" }
          })
        ).toMatchObject(clerkError(404, "resource_not_found"))
        const members = yield* ok("GET", `/organizations/${orgId}/memberships`, {
          query: { order_by: "+created_at" }
        })
        expect(at(members, "total_count")).toBe(2)
        expect(list(members, "data").map((m) => at(m, "public_user_data", "user_id"))).toEqual([
          str(ada, "id"),
          str(bob, "id")
        ])
        const admins = yield* ok("GET", `/organizations/${orgId}/memberships`, {
          query: { role: ["org:admin"] }
        })
        expect(list(admins, "data").map((m) => at(m, "public_user_data", "user_id"))).toEqual([
          str(ada, "id")
        ])
        const promoted = yield* ok("PATCH", `/organizations/${orgId}/memberships/${str(bob, "id")}`, {
          body: { role: "org:admin" }
        })
        expect(promoted).toMatchObject({ role: "org:admin", role_name: "Admin" })
        expect(
          yield* call("PATCH", `/organizations/${orgId}/memberships/${str(bob, "id")}`, {
            body: { role: "org:wizard" }
          })
        ).toMatchObject(clerkError(422, "form_param_value_invalid"))
        const withMeta = yield* ok(
          "PATCH",
          `/organizations/${orgId}/memberships/${str(bob, "id")}/metadata`,
          {
            body: { public_metadata: { team: "red" } }
          }
        )
        expect(at(withMeta, "public_metadata")).toEqual({ team: "red" })
        const mine = yield* ok("GET", `/users/${str(bob, "id")}/organization_memberships`)
        expect(at(mine, "total_count")).toBe(1)
        expect(at(yield* ok("GET", "/organization_memberships"), "total_count")).toBe(2)
        expect(yield* ok("DELETE", `/organizations/${orgId}/memberships/${str(bob, "id")}`)).toMatchObject({
          id: str(membership, "id")
        })
        expect((yield* call("DELETE", `/organizations/${orgId}/memberships/${str(bob, "id")}`)).status).toBe(
          404
        )
      }))

    test("memberships stop at max_allowed_memberships with 403", () =>
      Effect.gen(function* () {
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Tiny", max_allowed_memberships: 1 }
        })
        const a = yield* createUser({ first_name: "A" })
        const b = yield* createUser({ first_name: "B" })
        yield* ok("POST", `/organizations/${str(org, "id")}/memberships`, {
          body: { user_id: str(a, "id"), role: "org:admin" }
        })
        expect(
          yield* call("POST", `/organizations/${str(org, "id")}/memberships`, {
            body: { user_id: str(b, "id"), role: "org:member" }
          })
        ).toMatchObject(clerkError(403, "organization_membership_quota_exceeded"))
      }))

    test("deleting an organization cascades to its memberships and invitations", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Member" })
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Doomed", created_by: str(user, "id") }
        })
        const orgId = str(org, "id")
        const invitation = yield* ok("POST", `/organizations/${orgId}/invitations`, {
          body: { email_address: "x@example.com", role: "org:member" }
        })
        expect(yield* ok("DELETE", `/organizations/${orgId}`)).toEqual({
          object: "organization",
          id: orgId,
          slug: "doomed",
          deleted: true
        })
        expect((yield* call("GET", `/organizations/${orgId}`)).status).toBe(404)
        expect(yield* ok("GET", `/users/${str(user, "id")}/organization_memberships`)).toEqual({
          data: [],
          total_count: 0
        })
        expect(at(yield* ok("GET", "/organization_invitations"), "total_count")).toBe(0)
        expect(str(invitation, "id")).toMatch(idPattern("orginv"))
      }))
  })

  describe("organization invitations", () => {
    test("create, list, get, bulk and revoke", () =>
      Effect.gen(function* () {
        const inviter = yield* createUser({ email_address: ["boss@example.com"], first_name: "Boss" })
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Hiring", created_by: str(inviter, "id") }
        })
        const orgId = str(org, "id")
        const invitation = yield* ok("POST", `/organizations/${orgId}/invitations`, {
          body: { email_address: "new@example.com", role: "org:member", inviter_user_id: str(inviter, "id") }
        })
        expect(invitation).toMatchObject({
          object: "organization_invitation",
          email_address: "new@example.com",
          role: "org:member",
          role_name: "Member",
          organization_id: orgId,
          status: "pending",
          inviter_id: str(inviter, "id"),
          public_inviter_data: { user_id: str(inviter, "id"), identifier: "boss@example.com" }
        })
        const bulk = yield* ok("POST", `/organizations/${orgId}/invitations/bulk`, {
          body: [
            { email_address: "a@example.com", role: "org:member" },
            { email_address: "b@example.com", role: "org:admin" }
          ]
        })
        expect(at(bulk, "total_count")).toBe(2)
        expect(yield* ok("GET", `/organizations/${orgId}/invitations/${str(invitation, "id")}`)).toEqual(
          invitation
        )
        const revoked = yield* ok(
          "POST",
          `/organizations/${orgId}/invitations/${str(invitation, "id")}/revoke`
        )
        expect(at(revoked, "status")).toBe("revoked")
        const pending = yield* ok("GET", `/organizations/${orgId}/invitations`, {
          query: { status: "pending" }
        })
        expect(at(pending, "total_count")).toBe(2)
        expect(at(yield* ok("GET", `/organizations/${orgId}/invitations/pending`), "total_count")).toBe(2)
        const instance = yield* ok("GET", "/organization_invitations", { query: { query: "a@example" } })
        expect(list(instance, "data")).toEqual([
          expect.objectContaining({
            email_address: "a@example.com",
            public_organization_data: expect.objectContaining({ id: orgId })
          })
        ])
        expect(
          yield* call("POST", `/organizations/${orgId}/invitations`, {
            body: { email_address: "boss@example.com", role: "org:member" }
          })
        ).toMatchObject(clerkError(422, "already_a_member_in_organization"))
        const invitee = yield* createUser({ email_address: ["b@example.com"] })
        const invites = yield* ok("GET", `/users/${str(invitee, "id")}/organization_invitations`)
        expect(list(invites, "data").map((i) => at(i, "email_address"))).toEqual(["b@example.com"])
      }))
  })

  describe("invitations", () => {
    test("create, refuse duplicates and existing users, list and revoke", () =>
      Effect.gen(function* () {
        yield* createUser({ email_address: ["member@example.com"] })
        const invitation = yield* ok("POST", "/invitations", {
          body: { email_address: "guest@example.com", public_metadata: { from: "test" } }
        })
        expect(str(invitation, "id")).toMatch(idPattern("inv"))
        expect(invitation).toMatchObject({
          object: "invitation",
          email_address: "guest@example.com",
          status: "pending",
          revoked: false,
          public_metadata: { from: "test" }
        })
        expect(
          yield* call("POST", "/invitations", { body: { email_address: "guest@example.com" } })
        ).toMatchObject(clerkError(422, "duplicate_record"))
        expect(
          yield* call("POST", "/invitations", { body: { email_address: "member@example.com" } })
        ).toMatchObject(clerkError(422, "form_identifier_exists"))
        yield* ok("POST", "/invitations", {
          body: { email_address: "member@example.com", ignore_existing: true }
        })
        const bulk = yield* ok("POST", "/invitations/bulk", {
          body: [{ email_address: "x@example.com" }, { email_address: "y@example.com" }]
        })
        expect(list(bulk)).toHaveLength(2)
        const revoked = yield* ok("POST", `/invitations/${str(invitation, "id")}/revoke`)
        expect(revoked).toMatchObject({ status: "revoked", revoked: true })
        expect(yield* call("POST", `/invitations/${str(invitation, "id")}/revoke`)).toMatchObject({
          status: 400
        })
        expect(list(yield* ok("GET", "/invitations", { query: { status: "pending" } }))).toHaveLength(3)
        expect(ids(yield* ok("GET", "/invitations", { query: { status: "revoked" } }))).toEqual([
          str(invitation, "id")
        ])
        // Revoked invitations are listed only when asked for by status.
        expect(list(yield* ok("GET", "/invitations", { query: { query: "guest" } }))).toHaveLength(0)
        expect(list(yield* ok("GET", "/invitations"))).toHaveLength(3)
      }))
  })

  describe("bans", () => {
    test("banning a user revokes their active sessions; unbanning does not restore them", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Banned" })
        const other = yield* createUser({ first_name: "Other" })
        const userId = str(user, "id")
        const first = yield* ok("POST", "/sessions", { body: { user_id: userId } })
        yield* ok("POST", "/sessions", { body: { user_id: userId } })
        const kept = yield* ok("POST", "/sessions", { body: { user_id: str(other, "id") } })
        yield* ok("POST", `/sessions/${str(first, "id")}/revoke`)
        expect(yield* ok("POST", `/users/${userId}/ban`)).toMatchObject({ banned: true })
        const statuses = (yield* ok("GET", "/sessions", {
          query: { user_id: userId }
        })) as ReadonlyArray<unknown>
        expect(statuses.map((s) => at(s, "status"))).toEqual(["revoked", "revoked"])
        expect(at(yield* ok("GET", `/sessions/${str(kept, "id")}`), "status")).toBe("active")
        yield* ok("POST", `/users/${userId}/unban`)
        const again = yield* ok("POST", "/sessions", { body: { user_id: str(other, "id") } })
        yield* ok("POST", "/users/ban", { body: { user_ids: [str(other, "id")] } })
        expect(at(yield* ok("GET", `/sessions/${str(again, "id")}`), "status")).toBe("revoked")
      }))
  })

  describe("lists that take paginated", () => {
    test("paginated=true answers { data, total_count }; without it, the bare page", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Pat" })
        const userId = str(user, "id")
        for (let i = 0; i < 3; i++) {
          yield* ok("POST", "/invitations", { body: { email_address: `p${i}@example.com` } })
          yield* ok("POST", "/sessions", { body: { user_id: userId } })
        }
        for (const [path, query] of [
          ["/invitations", {}],
          ["/sessions", { user_id: userId }]
        ] as const) {
          const all = ids(yield* ok("GET", path, { query }))
          expect(all).toHaveLength(3)
          const bare = yield* ok("GET", path, { query: { ...query, limit: 2, paginated: false } })
          expect(ids(bare)).toEqual(all.slice(0, 2))
          const paginated = yield* ok("GET", path, {
            query: { ...query, limit: 2, offset: 1, paginated: true }
          })
          expect(Object.keys(paginated as object).sort()).toEqual(["data", "total_count"])
          expect(at(paginated, "total_count")).toBe(3)
          expect(ids(paginated, "data")).toEqual(all.slice(1, 3))
        }
        expect(yield* call("GET", "/sessions", { query: { paginated: "yes" } })).toMatchObject(
          clerkError(422, "form_param_value_invalid")
        )
      }))
  })

  describe("lists that take paginated", () => {
    test("paginated=true answers { data, total_count }; without it, the bare page", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Pat" })
        const userId = str(user, "id")
        for (let i = 0; i < 3; i++) {
          yield* ok("POST", "/invitations", { body: { email_address: `p${i}@example.com` } })
          yield* ok("POST", "/sessions", { body: { user_id: userId } })
        }
        for (const [path, query] of [
          ["/invitations", {}],
          ["/sessions", { user_id: userId }]
        ] as const) {
          const all = ids(yield* ok("GET", path, { query }))
          expect(all).toHaveLength(3)
          const bare = yield* ok("GET", path, { query: { ...query, limit: 2, paginated: false } })
          expect(ids(bare)).toEqual(all.slice(0, 2))
          const paginated = yield* ok("GET", path, {
            query: { ...query, limit: 2, offset: 1, paginated: true }
          })
          expect(Object.keys(paginated as object).sort()).toEqual(["data", "total_count"])
          expect(at(paginated, "total_count")).toBe(3)
          expect(ids(paginated, "data")).toEqual(all.slice(1, 3))
        }
        expect(yield* call("GET", "/sessions", { query: { paginated: "yes" } })).toMatchObject(
          clerkError(422, "form_param_value_invalid")
        )
      }))
  })

  describe("sessions, JWKS and session tokens", () => {
    test("create, get, list and revoke sessions", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Sam" })
        const userId = str(user, "id")
        const session = yield* ok("POST", "/sessions", { body: { user_id: userId } })
        expect(str(session, "id")).toMatch(idPattern("sess"))
        expect(str(session, "client_id")).toMatch(idPattern("client"))
        expect(session).toMatchObject({ object: "session", user_id: userId, status: "active" })
        expect(yield* ok("GET", `/sessions/${str(session, "id")}`)).toEqual(session)
        expect(ids(yield* ok("GET", "/sessions", { query: { user_id: userId } }))).toEqual([
          str(session, "id")
        ])
        expect(at(yield* ok("GET", `/users/${userId}`), "last_sign_in_at")).toBe(at(session, "created_at"))
        expect(yield* ok("POST", `/sessions/${str(session, "id")}/revoke`)).toMatchObject({
          status: "revoked"
        })
        expect(ids(yield* ok("GET", "/sessions", { query: { user_id: userId, status: "active" } }))).toEqual(
          []
        )
        expect(yield* call("POST", "/sessions", { body: { user_id: "user_missing" } })).toMatchObject(
          clerkError(404, "resource_not_found")
        )
      }))

    test("session tokens are RS256 JWTs that verify against GET /jwks", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Tok" })
        const org = yield* ok("POST", "/organizations", {
          body: { name: "Tokens", created_by: str(user, "id") }
        })
        const session = yield* ok("POST", "/sessions", {
          body: { user_id: str(user, "id"), active_organization_id: str(org, "id") }
        })
        const jwks = yield* ok("GET", "/jwks")
        expect(jwks).toEqual({
          keys: [
            expect.objectContaining({
              kty: "RSA",
              alg: "RS256",
              use: "sig",
              kid: expect.any(String),
              n: expect.any(String),
              e: "AQAB"
            })
          ]
        })
        const token = yield* ok("POST", `/sessions/${str(session, "id")}/tokens`)
        expect(at(token, "object")).toBe("token")
        const jwt = str(token, "jwt")
        expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: "RS256", kid: str(jwks, "keys", 0, "kid") })
        const keySet = createLocalJWKSet({ keys: list(jwks, "keys").filter(isJwk) })
        const { payload } = yield* Effect.promise(() =>
          jwtVerify(jwt, keySet, { issuer: "https://clerk.emulator.local" })
        )
        expect(payload).toMatchObject({
          sub: str(user, "id"),
          sid: str(session, "id"),
          v: 2,
          o: { id: str(org, "id"), rol: "admin", slg: "tokens" }
        })
        expect(Number(payload.exp) - Number(payload.iat)).toBe(60)
        const long = yield* ok("POST", `/sessions/${str(session, "id")}/tokens`, {
          body: { expires_in_seconds: 3600 }
        })
        const { payload: longPayload } = yield* Effect.promise(() => jwtVerify(str(long, "jwt"), keySet))
        expect(Number(longPayload.exp) - Number(longPayload.iat)).toBe(3600)
        yield* ok("POST", `/sessions/${str(session, "id")}/revoke`)
        expect((yield* call("POST", `/sessions/${str(session, "id")}/tokens`)).status).toBe(404)
        expect((yield* call("POST", "/sessions/sess_missing/tokens")).status).toBe(404)
      }))
  })

  describe("routing", () => {
    test("unknown paths answer 404; unknown body params answer 422 form_param_unknown", () =>
      Effect.gen(function* () {
        expect(yield* call("GET", "/no_such_thing")).toMatchObject(clerkError(404, "resource_not_found"))
        expect(yield* call("POST", "/users", { body: { first_name: "A", shoe_size: 9 } })).toMatchObject({
          ...clerkError(422, "form_param_unknown"),
          body: { errors: [expect.objectContaining({ meta: { param_name: "shoe_size" } })] }
        })
        expect(yield* call("POST", "/machines", { body: { name: "m", colour: "red" } })).toMatchObject(
          clerkError(422, "form_param_unknown")
        )
        expect(list(yield* ok("GET", "/users"))).toEqual([])
      }))

    test("paths without the /v1 base path are accepted", () =>
      Effect.gen(function* () {
        const user = yield* createUser({ first_name: "Bare" })
        expect(yield* ok("GET", `/users/${str(user, "id")}`, { bare: true })).toEqual(user)
      }))

    test("a body that is not a JSON object answers 400", () =>
      Effect.gen(function* () {
        expect(yield* call("POST", "/users", { body: [1, 2] })).toMatchObject(
          clerkError(400, "malformed_request")
        )
      }))
  })
}
