import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { type ClerkClient, RetryPolicy, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

/** An answer, or a transport failure carrying the system error code Node would report. */
type Step = FakeClerk.Answer | { readonly transport: string }

/** A client that plays `steps` in order and records the method of each request it sees. */
const scripted = (steps: ReadonlyArray<Step>) => {
  const seen: Array<string> = []
  const client = HttpClient.make((request) =>
    Effect.suspend(() => {
      seen.push(request.method)
      const step = steps[seen.length - 1] ?? { status: 599, body: "unscripted request" }
      if ("transport" in step) {
        const cause = Object.assign(new Error(`connect ${step.transport}`), { code: step.transport })
        return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))
      }
      const json = typeof step.body !== "string"
      const headers = new Headers(step.headers)
      if (json) headers.set("content-type", "application/json")
      const body = json ? JSON.stringify(step.body) : (step.body as string)
      return Effect.succeed(
        HttpClientResponse.fromWeb(request, new Response(body, { status: step.status ?? 200, headers }))
      )
    })
  )
  const layer = FakeClerk.layerOver(client)
  return { seen, layer }
}

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"
const ok: Step = { body: FakeClerk.user() }
const rateLimited = (retryAfter?: string): Step => ({
  status: 429,
  body: FakeClerk.clerkError("too_many_requests"),
  headers: retryAfter === undefined ? {} : { "retry-after": retryAfter }
})
const serverError: Step = { status: 500, body: FakeClerk.clerkError("internal_clerk_error") }
const unavailable: Step = { status: 503, body: "<html>Service Unavailable</html>" }

/** Runs `call` in the background so the test can move the TestClock. */
const start = <A, E, LE>(
  call: Effect.Effect<A, E, ClerkClient.ClerkClient>,
  layer: Layer.Layer<ClerkClient.ClerkClient, LE>
) => Effect.fork(Effect.either(Effect.provide(call, layer)))

describe("429", () => {
  it.effect("waits out Retry-After in seconds, then repeats (any method)", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited("3"), { body: FakeClerk.user() }])
      const fiber = yield* start(Users.create({ emailAddress: ["ada@example.com"] }), layer)
      yield* TestClock.adjust("2999 millis")
      expect(seen).toEqual(["POST"])
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber)
      expect(seen).toEqual(["POST", "POST"])
      expect(result._tag).toBe("Right")
    })
  )

  it.effect("waits out a Retry-After given as an HTTP date", () =>
    Effect.gen(function* () {
      // The TestClock starts at the epoch: this date is 5 seconds away.
      const { seen, layer } = scripted([rateLimited(new Date(5000).toUTCString()), ok])
      const fiber = yield* start(Users.get({ userId }), layer)
      yield* TestClock.adjust("4999 millis")
      expect(seen.length).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(seen.length).toBe(2)
    })
  )

  it.effect(
    "without Retry-After backs off exponentially, with jitter between half and all of each step",
    () =>
      Effect.gen(function* () {
        const { seen, layer } = scripted([rateLimited(), rateLimited(), ok])
        const policy = RetryPolicy.make({ baseDelay: "100 millis" })
        const fiber = yield* start(Users.get({ userId }, { retry: policy }), layer)
        yield* TestClock.adjust("49 millis")
        expect(seen.length).toBe(1)
        yield* TestClock.adjust("51 millis")
        expect(seen.length).toBe(2)
        // The second wait is 100..200 ms after the second attempt, which came at 50..100 ms.
        yield* TestClock.adjust("49 millis")
        expect(seen.length).toBe(2)
        yield* TestClock.adjust("151 millis")
        expect(seen.length).toBe(3)
        expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      })
  )

  it.effect("no backoff wait exceeds maxDelay", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited(), rateLimited(), rateLimited(), ok])
      // Uncapped, the third wait would be 2..4 seconds.
      const policy = RetryPolicy.make({ baseDelay: "1 second", maxDelay: "1500 millis" })
      const fiber = yield* start(Users.get({ userId }, { retry: policy }), layer)
      yield* TestClock.adjust("1 second")
      expect(seen.length).toBe(2)
      yield* TestClock.adjust("1500 millis")
      expect(seen.length).toBe(3)
      yield* TestClock.adjust("1500 millis")
      expect(seen.length).toBe(4)
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
    })
  )

  it.effect("when attempts run out the last ClerkTooManyRequests surfaces with its retryAfter", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited("1"), rateLimited("1"), rateLimited("2")])
      const fiber = yield* start(
        Users.get({ userId }, { retry: RetryPolicy.make({ maxAttempts: 3 }) }),
        layer
      )
      yield* TestClock.adjust("10 seconds")
      const result = yield* Fiber.join(fiber)
      expect(seen.length).toBe(3)
      if (result._tag !== "Left" || result.left._tag !== "ClerkTooManyRequests")
        throw new Error(String(result))
      expect(result.left.retryAfter).toBe(2)
    })
  )

  it.effect("a Retry-After beyond maxRetryAfter surfaces at once instead of sleeping", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited("120"), ok])
      const error = yield* Effect.flip(Effect.provide(Users.get({ userId }), layer))
      expect(seen.length).toBe(1)
      expect(error._tag === "ClerkTooManyRequests" && error.retryAfter).toBe(120)
    })
  )

  it.effect("no retry is scheduled to start beyond maxElapsed", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited("1"), rateLimited("3"), ok])
      const policy = RetryPolicy.make({ maxElapsed: "2 seconds" })
      const fiber = yield* start(Users.get({ userId }, { retry: policy }), layer)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      // The second wait would end 4 s after the first failure.
      expect(seen.length).toBe(2)
      expect(result._tag === "Left" && result.left._tag).toBe("ClerkTooManyRequests")
    })
  )
  it.effect("a Retry-After is waited out even when the schedule would repeat sooner", () =>
    Effect.gen(function* () {
      // Also what keeps a timer that fires a little early from sending too soon.
      const { seen, layer } = scripted([rateLimited("2"), ok])
      const policy = RetryPolicy.fromSchedule(Schedule.recurs(1))
      const fiber = yield* start(Users.get({ userId }, { retry: policy }), layer)
      yield* TestClock.adjust("1999 millis")
      expect(seen.length).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(seen.length).toBe(2)
    })
  )
})

describe("server errors and connection failures", () => {
  it.effect("a GET is repeated after 500 and 503", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([serverError, unavailable, ok])
      const fiber = yield* start(Users.get({ userId }), layer)
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(seen).toEqual(["GET", "GET", "GET"])
    })
  )

  it.effect("a DELETE is repeated after a connection reset", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([
        { transport: "ECONNRESET" },
        { body: { id: userId, object: "user", deleted: true } }
      ])
      const fiber = yield* start(Users.delete({ userId }), layer)
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(seen).toEqual(["DELETE", "DELETE"])
    })
  )

  for (const [name, step] of [
    ["500", serverError],
    ["503", unavailable],
    ["a connection reset", { transport: "ECONNRESET" }]
  ] as const) {
    it.effect(`a POST is not repeated after ${name}: it may have created the user`, () =>
      Effect.gen(function* () {
        const { seen, layer } = scripted([step, ok])
        const error = yield* Effect.flip(
          Effect.provide(Users.create({ emailAddress: ["ada@example.com"] }), layer)
        )
        expect(seen).toEqual(["POST"])
        expect(["ClerkInternalServerError", "SDKError", "RequestError"]).toContain(error._tag)
      })
    )
  }

  it.effect("a PATCH is not repeated after 502", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([{ status: 502, body: "<html>Bad Gateway</html>" }, ok])
      const error = yield* Effect.flip(Effect.provide(Users.update({ userId, firstName: "Ada" }), layer))
      expect(seen).toEqual(["PATCH"])
      expect(error._tag).toBe("SDKError")
    })
  )

  for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]) {
    it.effect(`a POST is repeated after ${code}: the request never left`, () =>
      Effect.gen(function* () {
        const { seen, layer } = scripted([{ transport: code }, ok])
        const fiber = yield* start(Users.create({ emailAddress: ["ada@example.com"] }), layer)
        yield* TestClock.adjust("5 seconds")
        expect((yield* Fiber.join(fiber))._tag).toBe("Right")
        expect(seen).toEqual(["POST", "POST"])
      })
    )
  }

  it.effect("a POST is repeated after 503 when the policy says writes are idempotent", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([unavailable, ok])
      const retry = RetryPolicy.make({ replayWrites: true })
      const fiber = yield* start(Users.create({ emailAddress: ["ada@example.com"] }, { retry }), layer)
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(seen).toEqual(["POST", "POST"])
    })
  )

  for (const step of [
    { status: 404, body: FakeClerk.clerkError("resource_not_found") },
    { status: 501, body: "<html>Not Implemented</html>" },
    { status: 400, body: FakeClerk.clerkError("form_param_invalid") }
  ]) {
    it.effect(`a ${step.status} is never repeated`, () =>
      Effect.gen(function* () {
        const { seen, layer } = scripted([step, ok])
        yield* Effect.flip(Effect.provide(Users.get({ userId }), layer))
        expect(seen.length).toBe(1)
      })
    )
  }
})

describe("overrides", () => {
  it.effect("a Layer replaces the default policy", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([serverError, serverError, serverError, ok])
      const fiber = yield* start(
        Users.get({ userId }),
        Layer.merge(layer, RetryPolicy.layer({ maxAttempts: 2 }))
      )
      yield* TestClock.adjust("10 seconds")
      const result = yield* Fiber.join(fiber)
      expect(seen.length).toBe(2)
      // GetUser does not declare 500; Clerk's error body still surfaces as its tag.
      expect(result._tag === "Left" && result.left._tag).toBe("ClerkInternalServerError")
    })
  )

  it.effect("the call's option wins over the Layer", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([serverError, ok])
      const error = yield* Effect.flip(
        Users.get({ userId }, { retry: RetryPolicy.disabled }).pipe(
          Effect.provide(Layer.merge(layer, RetryPolicy.layer({ maxAttempts: 5 })))
        )
      )
      expect(seen.length).toBe(1)
      expect(error._tag === "ClerkInternalServerError" && error.status).toBe(500)
    })
  )

  it.effect("fromSchedule waits as the schedule says, and sees each failure's kind and attempt", () =>
    Effect.gen(function* () {
      const { seen, layer } = scripted([rateLimited(), serverError, ok])
      const failures: Array<string> = []
      const schedule = Schedule.spaced("1 second").pipe(
        Schedule.intersect(Schedule.identity<RetryPolicy.Failure>()),
        Schedule.tapInput((failure: RetryPolicy.Failure) =>
          Effect.sync(() => failures.push(`${failure.kind}#${failure.attempt} ${failure.method}`))
        )
      )
      const fiber = yield* start(Users.get({ userId }, { retry: RetryPolicy.fromSchedule(schedule) }), layer)
      yield* TestClock.adjust("999 millis")
      expect(seen.length).toBe(1)
      yield* TestClock.adjust(Duration.seconds(2))
      expect((yield* Fiber.join(fiber))._tag).toBe("Right")
      expect(failures).toEqual(["RateLimited#1 GET", "Unavailable#2 GET"])
    })
  )
})
