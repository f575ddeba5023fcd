/**
 * What a caller without TypeScript can pass: keys the operation does not know,
 * values `JSON.stringify` or URL encoding would throw on or alter, options of any
 * type. Each fails before sending with a typed error naming the field; none is a
 * defect, none is dropped.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import {
  ActorTokens,
  AdminPortalLinkTokens,
  ApiKeys,
  type ClerkClient,
  EmailSMSTemplates,
  Invitations,
  M2m,
  Organizations,
  RequestValidationError,
  SamlConnections,
  Users
} from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

/** Calls `call` against a fake that would answer anything and returns the validation error. */
const rejected = (
  call: () => Effect.Effect<unknown, { readonly _tag: string }, ClerkClient.ClerkClient>
): Effect.Effect<{ readonly error: RequestValidationError; readonly sent: number }> => {
  const fake = FakeClerk.make(() => ({ status: 500, body: "a request was sent" }))
  return Effect.suspend(call).pipe(
    Effect.flip,
    Effect.provide(fake.layer),
    Effect.orDie,
    Effect.flatMap((error) =>
      error instanceof RequestValidationError
        ? Effect.succeed({ error, sent: fake.requests.length })
        : Effect.dieMessage(`expected RequestValidationError, got ${error._tag}`)
    )
  )
}

/** Hides a value's type from TypeScript, as a JavaScript caller's value would be. */
const untyped = <T>(value: unknown): T => value as T

describe("keys the operation does not know", () => {
  it.effect("a typo is refused, naming the key", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(() => Users.update(untyped({ userId, fristName: "Ada" })))
      expect(sent).toBe(0)
      expect(error.field).toBe("fristName")
      expect(error.message).toContain("fristName")
    })
  )

  it.effect("a field another operation has (provider on a SAML update) is refused", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(() =>
        SamlConnections.update(untyped({ samlConnectionId: "samlc_1", provider: "saml_okta" }))
      )
      expect(sent).toBe(0)
      expect(error.field).toBe("provider")
    })
  )

  it.effect("inside a bulk body item too", () =>
    Effect.gen(function* () {
      const { error } = yield* rejected(() =>
        Invitations.bulkCreate(untyped({ body: [{ emailAddress: "ada@example.com", notfy: true }] }))
      )
      expect(error.field).toBe("body.0.notfy")
    })
  )

  it.effect(
    "metadata keys are user data, and an object the spec opens (an actor's claims) keeps its extra keys",
    () => {
      const fake = FakeClerk.make(() => ({ status: 200, body: {} }))
      return Effect.gen(function* () {
        yield* Effect.exit(
          Users.updateMetadata({ userId, publicMetadata: { anyKey: 1, __proto__extra: { deep: true } } })
        )
        yield* Effect.exit(ActorTokens.create({ userId, actor: { sub: "user_admin", iss: "support-tool" } }))
        expect(fake.requests).toHaveLength(2)
        expect(fake.requests.map((request) => request.url.pathname)).toEqual([
          `/v1/users/${userId}/metadata`,
          "/v1/actor_tokens"
        ])
      }).pipe(Effect.provide(fake.layer))
    }
  )
})

describe("path params are checked like the others", () => {
  it.effect("a path param that breaks the spec's pattern is refused", () =>
    Effect.gen(function* () {
      const apiKey = yield* rejected(() => ApiKeys.getApiKey({ apiKeyId: "not_an_api_key" }))
      expect(apiKey.sent).toBe(0)
      expect(apiKey.error.field).toBe("apiKeyId")
      const link = yield* rejected(() =>
        AdminPortalLinkTokens.revokeAdminPortalLinkToken({ adminPortalLinkTokenId: "aplt_short" })
      )
      expect(link.error.field).toBe("adminPortalLinkTokenId")
      const token = yield* rejected(() => M2m.revokeToken({ m2mTokenId: "mt_xyz" }))
      expect(token.error.field).toBe("m2mTokenId")
    })
  )

  it.effect("a path param with an enum accepts only its values", () =>
    Effect.gen(function* () {
      const { error, sent } = yield* rejected(() => EmailSMSTemplates.list(untyped({ templateType: "push" })))
      expect(sent).toBe(0)
      expect(error.field).toBe("templateType")
    })
  )

  it.effect("a path param that meets its pattern is sent", () => {
    const fake = FakeClerk.make(() => ({ status: 404, body: FakeClerk.clerkError("resource_not_found") }))
    const id = `ak_${"0123456789abcdef".repeat(2)}`
    return Effect.gen(function* () {
      yield* Effect.flip(ApiKeys.getApiKey({ apiKeyId: id }))
      expect(fake.requests.map((request) => request.url.pathname)).toEqual([`/v1/api_keys/${id}`])
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("values that cannot travel as they are", () => {
  it.effect("a lone surrogate in a path param, a query param or a body field", () =>
    Effect.gen(function* () {
      const path = yield* rejected(() => Users.get({ userId: "user_\ud800" }))
      expect(path.sent).toBe(0)
      expect(path.error.field).toBe("userId")
      const query = yield* rejected(() => Users.list({ query: "ada\udc00" }))
      expect(query.error.field).toBe("query")
      const body = yield* rejected(() => Users.update({ userId, firstName: "\ud83d" }))
      expect(body.error.field).toBe("firstName")
    })
  )

  it.effect("a surrogate pair is not a lone surrogate", () => {
    const fake = FakeClerk.make(() => ({ status: 200, body: [] }))
    return Effect.gen(function* () {
      yield* Users.list({ query: "ada \ud83d\ude00" })
      expect(fake.requests[0]!.url.searchParams.get("query")).toBe("ada \ud83d\ude00")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a BigInt, a cycle, NaN, a Date or a function inside metadata, named by its path", () =>
    Effect.gen(function* () {
      const cyclic: Record<string, unknown> = { a: 1 }
      cyclic.self = cyclic
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ count: 10n }, "publicMetadata.count"],
        [{ nested: cyclic }, "publicMetadata.nested.self"],
        [{ score: Number.NaN }, "publicMetadata.score"],
        [{ list: [1, new Date(0)] }, "publicMetadata.list.1"],
        [{ run: () => 1 }, "publicMetadata.run"],
        [{ text: "\udfff" }, "publicMetadata.text"]
      ]
      for (const [publicMetadata, field] of cases) {
        const { error, sent } = yield* rejected(() =>
          Users.updateMetadata({ userId, publicMetadata: untyped(publicMetadata) })
        )
        expect(sent).toBe(0)
        expect(error.field).toBe(field)
      }
    })
  )

  it.effect("a call option Effect cannot read is a typed error, not a defect", () =>
    Effect.gen(function* () {
      const timeout = yield* rejected(() => Users.get({ userId }, { timeout: untyped("five seconds") }))
      expect(timeout.sent).toBe(0)
      expect(timeout.error.field).toBe("options.timeout")
      const negative = yield* rejected(() => Users.get({ userId }, { timeout: -5 }))
      expect(negative.error.field).toBe("options.timeout")
      const retry = yield* rejected(() => Users.get({ userId }, { retry: untyped(3) }))
      expect(retry.error.field).toBe("options.retry")
      const options = yield* rejected(() => Users.get({ userId }, untyped("fast")))
      expect(options.error.field).toBe("options.(root)")
    })
  )
})

/** JSON-like values plus what plain JavaScript adds: lone surrogates, BigInts, cycles, functions. */
const hostile: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue(),
    fc.string({ unit: "binary" }),
    fc.constantFrom("\ud800", "user_\udbff", "\udc00x"),
    fc.bigInt(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, undefined, null, () => 1, Symbol("s")),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 3 }),
    tie("value").map((inner) => {
      const cycle: Record<string, unknown> = { inner }
      cycle.again = cycle
      return cycle
    })
  )
})).value

/** A sample of operations of every shape: path, query, JSON body, array body, multipart. */
type AnyCall = (params: unknown, options: unknown) => Effect.Effect<unknown, unknown, ClerkClient.ClerkClient>
const sample: ReadonlyArray<AnyCall> = [
  (params, options) => Users.get(untyped(params), untyped(options)),
  (params, options) => Users.list(untyped(params), untyped(options)),
  (params, options) => Users.create(untyped(params), untyped(options)),
  (params, options) => Users.updateMetadata(untyped(params), untyped(options)),
  (params, options) => Invitations.bulkCreate(untyped(params), untyped(options)),
  (params, options) => Organizations.create(untyped(params), untyped(options)),
  (params, options) => Organizations.uploadLogo(untyped(params), untyped(options)),
  (params, options) => ActorTokens.create(untyped(params), untyped(options))
]

describe("no input reaches a defect", () => {
  it("arbitrary params and options fail with typed errors only", async () => {
    const fake = FakeClerk.make(() => ({ status: 200, body: {} }))
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: sample.length - 1 }),
        fc.oneof(hostile, fc.dictionary(fc.string(), hostile, { maxKeys: 4 })),
        fc.option(fc.record({ timeout: hostile, retry: hostile }, { requiredKeys: [] }), { nil: undefined }),
        async (index, params, options) => {
          const call = sample[index]!
          const exit = await Effect.runPromiseExit(
            Effect.suspend(() => call(params, options)).pipe(Effect.provide(fake.layer))
          )
          if (Exit.isFailure(exit) && !Cause.isFailType(exit.cause))
            throw new Error(`not a typed failure: ${Cause.pretty(exit.cause)}`)
        }
      ),
      { numRuns: 400 }
    )
  })
})
