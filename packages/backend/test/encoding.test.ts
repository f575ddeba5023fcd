import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  Invitations,
  OrganizationDomains,
  OrganizationInvitations,
  Organizations,
  Users,
  WaitlistEntries
} from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"
const organizationId = "org_2hTA1bC4dE7fG0hJ3kL6mN9pQ2r"

/** The query string exactly as sent, to check order, repetition and escaping. */
const search = (fake: FakeClerk.Fake) => fake.requests[0]!.url.search

describe("query encoding", () => {
  it.effect("renames camelCase params to snake_case and repeats array keys", () => {
    const fake = FakeClerk.make([{ body: [] }])
    return Effect.gen(function* () {
      yield* Users.list({ emailAddress: ["a@x.com", "b@x.com"], orderBy: "-created_at", limit: 10 })
      const request = fake.requests[0]!
      expect(request.method).toBe("GET")
      expect(request.url.pathname).toBe("/v1/users")
      expect(search(fake)).toBe(
        "?email_address=a%40x.com&email_address=b%40x.com&limit=10&order_by=-created_at"
      )
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("sends booleans and numbers as their literal text and leaves absent params out", () => {
    const fake = FakeClerk.make([{ body: [] }])
    return Effect.gen(function* () {
      yield* Users.list({ banned: false, createdAtAfter: 1717171717000, offset: 0 })
      expect(search(fake)).toBe("?banned=false&created_at_after=1717171717000&offset=0")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("sends no query string when no params are given", () => {
    const fake = FakeClerk.make([{ body: [] }])
    return Effect.gen(function* () {
      yield* Users.list()
      expect(search(fake)).toBe("")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("joins an `explode: false` array into one comma-separated value", () => {
    const fake = FakeClerk.make([{ body: { data: [], total_count: 0 } }])
    return Effect.gen(function* () {
      yield* OrganizationDomains.listAll({
        enrollmentMode: ["manual_invitation", "-automatic_invitation"],
        domains: ["example.com", "example.org"]
      })
      const params = fake.requests[0]!.url.searchParams
      expect(params.getAll("enrollment_mode")).toEqual(["manual_invitation,-automatic_invitation"])
      // `domains` is exploded: one key per value.
      expect(params.getAll("domains")).toEqual(["example.com", "example.org"])
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("path encoding", () => {
  it.effect("percent-encodes every path segment", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.get({ userId: "a/b?x=1" })
      const request = fake.requests[0]!
      expect(request.url.pathname).toBe("/v1/users/a%2Fb%3Fx%3D1")
      expect(request.url.search).toBe("")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("encodes `#`, spaces and non-ASCII inside a segment", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.get({ userId: "ü #1" })
      expect(fake.requests[0]!.url.href).toBe("https://api.clerk.test/v1/users/%C3%BC%20%231")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("refuses `..`, `.` and empty path params before sending", () =>
    Effect.gen(function* () {
      for (const bad of ["..", ".", ""]) {
        const fake = FakeClerk.make([{ body: FakeClerk.user() }])
        const error = yield* Effect.flip(Users.get({ userId: bad }).pipe(Effect.provide(fake.layer)))
        expect(error._tag).toBe("RequestValidationError")
        if (error._tag === "RequestValidationError") {
          expect(error.operationId).toBe("GetUser")
          expect(error.field).toBe("userId")
        }
        expect(fake.requests).toHaveLength(0)
      }
    })
  )
})

describe("JSON bodies", () => {
  it.effect("renames top-level keys to snake_case and keeps metadata's inner keys", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.updateMetadata({ userId, publicMetadata: { someKey: { innerKey: 1 } } })
      const request = fake.requests[0]!
      expect(request.method).toBe("PATCH")
      expect(request.url.pathname).toBe(`/v1/users/${userId}/metadata`)
      expect(request.headers["content-type"]).toBe("application/json")
      expect(FakeClerk.bodyText(request)).toBe('{"public_metadata":{"someKey":{"innerKey":1}}}')
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("keeps path params out of the body and sends explicit nulls", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.update({ userId, firstName: "Ada", lastName: null, skipPasswordChecks: true })
      expect(JSON.parse(FakeClerk.bodyText(fake.requests[0]!))).toEqual({
        first_name: "Ada",
        last_name: null,
        skip_password_checks: true
      })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("Invitations.bulkCreate sends `body` as a JSON array of snake_case objects", () => {
    const fake = FakeClerk.make([{ body: [] }])
    return Effect.gen(function* () {
      yield* Invitations.bulkCreate({
        body: [
          { emailAddress: "ada@example.com", publicMetadata: { teamId: 7 }, expiresInDays: 3 },
          { emailAddress: "grace@example.com", ignoreExisting: true }
        ]
      })
      const request = fake.requests[0]!
      expect(request.url.pathname).toBe("/v1/invitations/bulk")
      expect(JSON.parse(FakeClerk.bodyText(request))).toEqual([
        { email_address: "ada@example.com", public_metadata: { teamId: 7 }, expires_in_days: 3 },
        { email_address: "grace@example.com", ignore_existing: true }
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("OrganizationInvitations.bulkCreate sends a JSON array; the org id goes in the path", () => {
    const fake = FakeClerk.make([{ body: { data: [], total_count: 0 } }])
    return Effect.gen(function* () {
      yield* OrganizationInvitations.bulkCreate({
        organizationId,
        body: [{ emailAddress: "ada@example.com", role: "org:member", inviterUserId: userId }]
      })
      const request = fake.requests[0]!
      expect(request.url.pathname).toBe(`/v1/organizations/${organizationId}/invitations/bulk`)
      expect(JSON.parse(FakeClerk.bodyText(request))).toEqual([
        { email_address: "ada@example.com", role: "org:member", inviter_user_id: userId }
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("WaitlistEntries.bulkCreate sends a JSON array", () => {
    const fake = FakeClerk.make([{ body: [] }])
    return Effect.gen(function* () {
      yield* WaitlistEntries.bulkCreate({ body: [{ emailAddress: "ada@example.com", notify: false }] })
      const request = fake.requests[0]!
      expect(request.url.pathname).toBe("/v1/waitlist_entries/bulk")
      expect(FakeClerk.bodyText(request)).toBe('[{"email_address":"ada@example.com","notify":false}]')
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("multipart uploads", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])

  it.effect("Users.setProfileImage sends a Uint8Array as the `file` part", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user({ has_image: true }) }])
    return Effect.gen(function* () {
      yield* Users.setProfileImage({ userId, file: png })
      const request = fake.requests[0]!
      expect(request.method).toBe("POST")
      expect(request.url.pathname).toBe(`/v1/users/${userId}/profile_image`)
      const form = yield* Effect.promise(() => FakeClerk.formData(request))
      expect([...form.keys()]).toEqual(["file"])
      const file = form.get("file")
      expect(file).toBeInstanceOf(Blob)
      const bytes = yield* Effect.promise(() => (file as Blob).arrayBuffer())
      expect(new Uint8Array(bytes)).toEqual(png)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("Users.setProfileImage sends a Blob with its content type", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user({ has_image: true }) }])
    return Effect.gen(function* () {
      yield* Users.setProfileImage({ userId, file: new Blob([png], { type: "image/png" }) })
      const form = yield* Effect.promise(() => FakeClerk.formData(fake.requests[0]!))
      const file = form.get("file")
      expect(file).toBeInstanceOf(Blob)
      expect((file as Blob).type).toBe("image/png")
      const bytes = yield* Effect.promise(() => (file as Blob).arrayBuffer())
      expect(new Uint8Array(bytes)).toEqual(png)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("Organizations.uploadLogo sends the file and snake_case text fields as parts", () => {
    const fake = FakeClerk.make([
      { body: FakeClerk.organization({ logo_url: "https://img.clerk.test/logo.png" }) }
    ])
    return Effect.gen(function* () {
      const organization = yield* Organizations.uploadLogo({
        organizationId,
        uploaderUserId: userId,
        file: png
      })
      expect(organization.logoUrl).toBe("https://img.clerk.test/logo.png")
      const request = fake.requests[0]!
      expect(request.method).toBe("PUT")
      expect(request.url.pathname).toBe(`/v1/organizations/${organizationId}/logo`)
      const form = yield* Effect.promise(() => FakeClerk.formData(request))
      expect(form.get("uploader_user_id")).toBe(userId)
      expect(form.get("organization_id")).toBeNull()
      expect(form.get("file")).toBeInstanceOf(Blob)
    }).pipe(Effect.provide(fake.layer))
  })
})
