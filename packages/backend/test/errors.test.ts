import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import {
  ActorTokens,
  type ClerkClient,
  ClerkBadRequest,
  ClerkConflict,
  type ClerkErrors,
  ClerkForbidden,
  ClerkGone,
  ClerkInternalServerError,
  ClerkLocked,
  ClerkNotFound,
  ClerkPayloadTooLarge,
  ClerkPaymentRequired,
  ClerkTooManyRequests,
  ClerkUnauthorized,
  ClerkUnprocessableEntity,
  Clients,
  EmailSMSTemplates,
  OrganizationMemberships,
  Organizations,
  type RequestValidationError,
  type ResponseValidationError,
  type SDKError,
  Users
} from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

interface Case {
  readonly status: number
  readonly tag: ClerkErrors["_tag"]
  readonly Class: new (...args: never) => ClerkErrors
  /** An operation whose spec entry declares `status`. */
  readonly call: Effect.Effect<unknown, { readonly _tag: string }, ClerkClient.ClerkClient>
}

const cases: ReadonlyArray<Case> = [
  { status: 400, tag: "ClerkBadRequest", Class: ClerkBadRequest, call: Users.get({ userId }) },
  { status: 401, tag: "ClerkUnauthorized", Class: ClerkUnauthorized, call: Users.get({ userId }) },
  { status: 402, tag: "ClerkPaymentRequired", Class: ClerkPaymentRequired, call: Users.ban({ userId }) },
  { status: 403, tag: "ClerkForbidden", Class: ClerkForbidden, call: Users.lock({ userId }) },
  { status: 404, tag: "ClerkNotFound", Class: ClerkNotFound, call: Users.get({ userId }) },
  {
    status: 409,
    tag: "ClerkConflict",
    Class: ClerkConflict,
    call: Users.update({ userId, username: "ada" })
  },
  { status: 410, tag: "ClerkGone", Class: ClerkGone, call: Clients.list({ limit: 5 }) },
  {
    status: 413,
    tag: "ClerkPayloadTooLarge",
    Class: ClerkPayloadTooLarge,
    call: Organizations.uploadLogo({ organizationId: "org_1", file: new Uint8Array(16) })
  },
  {
    status: 422,
    tag: "ClerkUnprocessableEntity",
    Class: ClerkUnprocessableEntity,
    call: Users.update({ userId, username: "x" })
  },
  {
    status: 423,
    tag: "ClerkLocked",
    Class: ClerkLocked,
    call: EmailSMSTemplates.upsert({ templateType: "email", slug: "magic_link", subject: "Sign in" })
  },
  { status: 429, tag: "ClerkTooManyRequests", Class: ClerkTooManyRequests, call: Users.get({ userId }) },
  {
    status: 500,
    tag: "ClerkInternalServerError",
    Class: ClerkInternalServerError,
    call: Users.getBillingSubscription({ userId })
  }
]

const errorBody = (status: number) => ({
  errors: [
    {
      code: `code_${status}`,
      message: `short message ${status}`,
      long_message: `The long message for ${status}.`,
      meta: { param_name: "username", nested: { reasons: ["taken", "reserved"] } }
    }
  ],
  meta: { request: { attempt: 2 }, flags: [true, false] },
  clerk_trace_id: `trace_${status}_body`
})

const failWith = <E>(
  call: Effect.Effect<unknown, E, ClerkClient.ClerkClient>,
  answer: FakeClerk.Answer
): Effect.Effect<E> => {
  const fake = FakeClerk.make([answer])
  return Effect.flip(call).pipe(Effect.provide(fake.layer), Effect.orDie)
}

describe("documented statuses", () => {
  for (const { status, tag, Class, call } of cases) {
    it.effect(`${status} → ${tag} with Clerk's error body`, () =>
      Effect.gen(function* () {
        const error = yield* failWith(call, {
          status,
          body: errorBody(status),
          headers: { "x-clerk-trace-id": "trace_from_header" }
        })
        expect(error._tag).toBe(tag)
        if (!(error instanceof Class)) return expect.unreachable(`not a ${tag}`)
        expect(error.status).toBe(status)
        expect(error.errors).toHaveLength(1)
        const first = error.errors[0]!
        expect(first.code).toBe(`code_${status}`)
        expect(first.message).toBe(`short message ${status}`)
        expect(first.longMessage).toBe(`The long message for ${status}.`)
        expect(first.meta).toEqual({ param_name: "username", nested: { reasons: ["taken", "reserved"] } })
        expect(error.meta).toEqual({ request: { attempt: 2 }, flags: [true, false] })
        // The body's trace id wins over the header's.
        expect(error.clerkTraceId).toBe(`trace_${status}_body`)
        expect(error.message).toContain(tag)
        expect(error.message).toContain(`code_${status}`)
      })
    )
  }

  it.effect("the trace id falls back to the x-clerk-trace-id header", () =>
    Effect.gen(function* () {
      const { clerk_trace_id: _, ...body } = errorBody(404)
      const error = yield* failWith(Users.get({ userId }), {
        status: 404,
        body,
        headers: { "x-clerk-trace-id": "trace_from_header" }
      })
      if (!(error instanceof ClerkNotFound)) return expect.unreachable(error._tag)
      expect(error.clerkTraceId).toBe("trace_from_header")
    })
  )

  it.effect("an error without trace id in body or header has none", () =>
    Effect.gen(function* () {
      const error = yield* failWith(Users.get({ userId }), {
        status: 404,
        body: { errors: [{ code: "resource_not_found", message: "not found" }] }
      })
      if (!(error instanceof ClerkNotFound)) return expect.unreachable(error._tag)
      expect(error.clerkTraceId).toBeUndefined()
      expect(error.meta).toBeUndefined()
      expect(error.errors[0]!.longMessage).toBeUndefined()
    })
  )

  it.effect("catchTag selects a Clerk error by its tag", () =>
    Effect.gen(function* () {
      const fake = FakeClerk.make([{ status: 404, body: errorBody(404) }])
      const recovered = yield* Users.get({ userId }).pipe(
        Effect.map(() => "found"),
        Effect.catchTag("ClerkNotFound", (error) => Effect.succeed(`missing (${error.clerkTraceId})`)),
        Effect.provide(fake.layer),
        Effect.orDie
      )
      expect(recovered).toBe("missing (trace_404_body)")
    })
  )
})

describe("ClerkTooManyRequests.retryAfter", () => {
  it.effect("reads Retry-After in seconds", () =>
    Effect.gen(function* () {
      const error = yield* failWith(Users.get({ userId }), {
        status: 429,
        body: errorBody(429),
        headers: { "retry-after": "17" }
      })
      if (!(error instanceof ClerkTooManyRequests)) return expect.unreachable(error._tag)
      expect(error.retryAfter).toBe(17)
      expect(error.message).toContain("retry after 17s")
    })
  )

  it.effect("reads Retry-After as an HTTP date, relative to the clock", () =>
    Effect.gen(function* () {
      const now = Date.UTC(2026, 4, 12, 9, 30, 0)
      yield* TestClock.setTime(now)
      const error = yield* failWith(Users.get({ userId }), {
        status: 429,
        body: errorBody(429),
        headers: { "retry-after": new Date(now + 45_000).toUTCString() }
      })
      if (!(error instanceof ClerkTooManyRequests)) return expect.unreachable(error._tag)
      expect(error.retryAfter).toBe(45)
    })
  )

  it.effect("an HTTP date in the past means retry now", () =>
    Effect.gen(function* () {
      const now = Date.UTC(2026, 4, 12, 9, 30, 0)
      yield* TestClock.setTime(now)
      const error = yield* failWith(Users.get({ userId }), {
        status: 429,
        body: errorBody(429),
        headers: { "retry-after": new Date(now - 60_000).toUTCString() }
      })
      if (!(error instanceof ClerkTooManyRequests)) return expect.unreachable(error._tag)
      expect(error.retryAfter).toBe(0)
    })
  )

  it.effect("no or unreadable Retry-After leaves retryAfter undefined", () =>
    Effect.gen(function* () {
      for (const headers of [{}, { "retry-after": "soon" }]) {
        const error = yield* failWith(Users.get({ userId }), { status: 429, body: errorBody(429), headers })
        if (!(error instanceof ClerkTooManyRequests)) return expect.unreachable(error._tag)
        expect(error.retryAfter).toBeUndefined()
      }
    })
  )
})

describe("statuses the spec does not list for an operation", () => {
  // Real answers the spec leaves out: creating an actor token for an unknown user (404),
  // removing the last admin (400), organization calls where organizations are off (403).
  const undocumented = [
    {
      call: ActorTokens.create({ userId, actor: { sub: "user_admin" } }),
      status: 404,
      tag: "ClerkNotFound",
      code: "resource_not_found"
    },
    {
      call: OrganizationMemberships.delete({ organizationId: "org_1", userId }),
      status: 400,
      tag: "ClerkBadRequest",
      code: "at_least_one_admin_needed"
    },
    {
      call: Organizations.list({ limit: 10 }),
      status: 403,
      tag: "ClerkForbidden",
      code: "organizations_not_enabled_in_instance"
    },
    { call: Users.get({ userId }), status: 409, tag: "ClerkConflict", code: "conflict" },
    { call: Users.get({ userId }), status: 500, tag: "ClerkInternalServerError", code: "internal_error" }
  ] as const

  it.effect("a Clerk error body surfaces as the tag of its status", () =>
    Effect.gen(function* () {
      for (const { call, status, tag, code } of undocumented) {
        const body = { errors: [{ code, message: code }], clerk_trace_id: "trace_1" }
        const error = yield* failWith(call, { status, body })
        expect(error._tag).toBe(tag)
        if (!("errors" in error)) return expect.unreachable(error._tag)
        expect(error.errors[0]?.code).toBe(code)
        expect(error.clerkTraceId).toBe("trace_1")
      }
    })
  )

  it.effect("catchTag reaches them", () =>
    Effect.gen(function* () {
      const body = { errors: [{ code: "resource_not_found", message: "not found" }] }
      const caught = yield* failWith(
        ActorTokens.create({ userId, actor: { sub: "user_admin" } }).pipe(
          Effect.catchTag("ClerkNotFound", (error) => Effect.fail(`caught ${error.errors[0]?.code}`))
        ),
        { status: 404, body }
      )
      expect(caught).toBe("caught resource_not_found")
    })
  )
})

describe("SDKError", () => {
  it.effect("a status outside Clerk's documented set", () =>
    Effect.gen(function* () {
      const error = yield* failWith(Users.get({ userId }), { status: 418, body: errorBody(418) })
      if (error._tag !== "SDKError") return expect.unreachable(error._tag)
      expect(error.status).toBe(418)
    })
  )

  it.effect("an HTML page on a 5xx keeps its text and content type", () =>
    Effect.gen(function* () {
      const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
      for (const status of [500, 502]) {
        const error = yield* failWith(Users.getBillingSubscription({ userId }), {
          status,
          body: html,
          headers: { "content-type": "text/html; charset=utf-8" }
        })
        if (error._tag !== "SDKError") return expect.unreachable(error._tag)
        expect(error.status).toBe(status)
        expect(error.body).toBe(html)
        expect(error.contentType).toBe("text/html; charset=utf-8")
        expect(error.message).toContain(String(status))
      }
    })
  )

  it.effect("JSON that is not Clerk's error shape on a declared status", () =>
    Effect.gen(function* () {
      const error = yield* failWith(Users.get({ userId }), { status: 404, body: { error: "not here" } })
      if (error._tag !== "SDKError") return expect.unreachable(error._tag)
      expect(error.status).toBe(404)
      expect(error.body).toBe('{"error":"not here"}')
    })
  )

  it.effect("a 2xx body that is not JSON", () =>
    Effect.gen(function* () {
      const error = yield* failWith(Users.get({ userId }), {
        status: 200,
        body: "OK",
        headers: { "content-type": "text/plain" }
      })
      if (error._tag !== "SDKError") return expect.unreachable(error._tag)
      expect(error.status).toBe(200)
      expect(error.body).toBe("OK")
      expect(error.contentType).toBe("text/plain")
    })
  )
})

describe("ResponseValidationError", () => {
  it.effect("a 2xx body the schema rejects keeps the body and names the issue paths", () =>
    Effect.gen(function* () {
      const body = FakeClerk.user({ banned: "no" })
      const error = yield* failWith(Users.get({ userId }), { status: 200, body })
      if (error._tag !== "ResponseValidationError") return expect.unreachable(error._tag)
      expect(error.operationId).toBe("GetUser")
      expect(error.status).toBe(200)
      expect(error.body).toEqual(body)
      const paths = error.issues.map((issue) => issue.path.join("."))
      expect(paths).toEqual(["banned"])
      expect(error.message).toContain("GetUser")
      expect(error.message).toContain("banned")
    })
  )

  it.effect("names a nested path inside an array", () =>
    Effect.gen(function* () {
      const body = [FakeClerk.user(), FakeClerk.user({ email_addresses: [{ object: "email_address" }] })]
      const error = yield* failWith(Users.list(), { status: 200, body })
      if (error._tag !== "ResponseValidationError") return expect.unreachable(error._tag)
      // Paths name the wire keys, as in the kept body.
      expect(error.issues.map((issue) => issue.path)).toContainEqual([
        1,
        "email_addresses",
        0,
        "email_address"
      ])
    })
  )
})

describe("error types", () => {
  it("every operation's E names all of Clerk's tags plus the generic errors", () => {
    type Generic =
      | RequestValidationError
      | SDKError
      | ResponseValidationError
      | HttpClientError.HttpClientError
      | Cause.TimeoutException
    type GetError = Effect.Effect.Error<ReturnType<typeof Users.get>>
    expectTypeOf<GetError>().toEqualTypeOf<ClerkErrors | Generic>()
    type LockError = Effect.Effect.Error<ReturnType<typeof Users.lock>>
    expectTypeOf<LockError>().toEqualTypeOf<ClerkErrors | Generic>()
  })
})
