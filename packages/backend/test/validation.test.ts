import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  ApiKeys,
  type ClerkClient,
  Invitations,
  OrganizationDomains,
  RequestValidationError,
  Users
} from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

/** Runs `call` against a fake that would answer anything, and returns the validation error. */
const rejected = <E extends { readonly _tag: string }>(
  call: Effect.Effect<unknown, E, ClerkClient.ClerkClient>
): Effect.Effect<{ readonly error: RequestValidationError; readonly sent: number }> => {
  const fake = FakeClerk.make(() => ({ status: 500, body: "a request was sent" }))
  return Effect.flip(call).pipe(
    Effect.provide(fake.layer),
    Effect.orDie,
    Effect.flatMap((error) =>
      error instanceof RequestValidationError
        ? Effect.succeed({ error, sent: fake.requests.length })
        : Effect.dieMessage(`expected RequestValidationError, got ${error._tag}`)
    )
  )
}

describe("request validation", () => {
  it.effect("limit above the spec's maximum fails before sending", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(Users.list({ limit: 501 }))
      expect(sent).toBe(0)
      expect(error.operationId).toBe("GetUserList")
      expect(error.field).toBe("limit")
      expect(error.issues[0]!.path).toEqual(["limit"])
      expect(error.message).toContain("GetUserList")
      expect(error.message).toContain("limit")
    })
  )

  it.effect("limit at the spec's bounds is sent", () => {
    const fake = FakeClerk.make([{ body: [] }, { body: [] }])
    return Effect.gen(function* () {
      yield* Users.list({ limit: 500 })
      yield* Users.list({ limit: 1 })
      expect(fake.requests.map((request) => request.url.searchParams.get("limit"))).toEqual(["500", "1"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a non-integer and a negative offset are refused", () =>
    Effect.gen(function* () {
      const fraction = yield* rejected(Users.list({ limit: 10.5 }))
      expect(fraction.error.field).toBe("limit")
      const negative = yield* rejected(Users.list({ offset: -1 }))
      expect(negative.error.field).toBe("offset")
      expect(negative.sent).toBe(0)
    })
  )

  it.effect("a missing required param", () =>
    Effect.gen(function* () {
      // @ts-expect-error: userId is required, as a JavaScript caller might forget
      const { error, sent } = yield* rejected(Users.get({}))
      expect(sent).toBe(0)
      expect(error.field).toBe("userId")
    })
  )

  it.effect("a wrong enum value", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(
        // @ts-expect-error: "manual" is not one of the spec's enrollment modes
        OrganizationDomains.listAll({ enrollmentMode: ["manual_invitation", "manual"] })
      )
      expect(sent).toBe(0)
      expect(error.operationId).toBe("ListAllOrganizationDomains")
      expect(error.field).toBe("enrollmentMode.1")
    })
  )

  it.effect("a pattern violation", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(
        ApiKeys.createApiKey({ name: "ci key", subject: "user_tooShort" })
      )
      expect(sent).toBe(0)
      expect(error.operationId).toBe("createApiKey")
      expect(error.field).toBe("subject")
    })
  )

  it.effect("a maxLength violation", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(
        ApiKeys.createApiKey({ name: "ci key", subject: userId, description: "x".repeat(256) })
      )
      expect(sent).toBe(0)
      expect(error.field).toBe("description")
    })
  )

  it.effect("every offending param is reported, the first as `field`", () =>
    Effect.gen(function* () {
      const { error } = yield* rejected(
        ApiKeys.createApiKey({ name: " padded ", subject: "org_x", type: "ab" })
      )
      const paths = new Set(error.issues.map((issue) => issue.path.join(".")))
      expect([...paths].sort()).toEqual(["name", "subject", "type"])
      expect(error.issues.map((issue) => issue.path.join("."))).toContain(error.field)
    })
  )

  it.effect("bulk bodies are checked item by item and by count", () =>
    Effect.gen(function* () {
      const tooMany = Array.from({ length: 11 }, (_, i) => ({ emailAddress: `user${i}@example.com` }))
      const count = yield* rejected(Invitations.bulkCreate({ body: tooMany }))
      expect(count.sent).toBe(0)
      expect(count.error.field).toBe("body")
      const empty = yield* rejected(Invitations.bulkCreate({ body: [] }))
      expect(empty.error.field).toBe("body")
      const item = yield* rejected(
        Invitations.bulkCreate({ body: [{ emailAddress: "ada@example.com", expiresInDays: 400 }] })
      )
      expect(item.error.field).toBe("body.0.expiresInDays")
    })
  )

  it.effect("valid params with the same shapes are sent", () => {
    const fake = FakeClerk.make(() => ({ status: 201, body: apiKey }))
    return Effect.gen(function* () {
      yield* ApiKeys.createApiKey({
        name: "ci key",
        subject: userId,
        description: "x".repeat(255),
        type: "api_key"
      })
      expect(fake.requests).toHaveLength(1)
    }).pipe(Effect.provide(fake.layer))
  })
})

const apiKey = {
  object: "api_key",
  id: "ak_2hTB7dE0fG3hJ6kL9mN2pQ5rS8t",
  type: "api_key",
  subject: userId,
  name: "ci key",
  description: null,
  claims: null,
  scopes: [],
  secret: "ak_live_secretvalue",
  revoked: false,
  revocation_reason: null,
  expired: false,
  expiration: null,
  created_by: null,
  last_used_at: null,
  created_at: 1717171717000,
  updated_at: 1717171717000
}
