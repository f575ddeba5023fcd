import { describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { ClerkClient, RetryPolicy, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"
import * as TracingRecorder from "./tracingRecorder.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"
const email = "ada.lovelace@example.com"

/** The fake with retries left on (with tiny waits), so attempts can be counted. */
const clerk = (answers: ReadonlyArray<FakeClerk.Answer>) =>
  ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl: FakeClerk.apiUrl }).pipe(
    Layer.provide(FakeClerk.make(answers).httpClient),
    Layer.merge(RetryPolicy.layer({ baseDelay: "1 millis" }))
  )

const traced = <A, E>(
  effect: Effect.Effect<A, E, ClerkClient.ClerkClient>,
  answers: ReadonlyArray<FakeClerk.Answer>
) =>
  Effect.gen(function* () {
    const recorder = TracingRecorder.make()
    const exit = yield* Effect.exit(
      effect.pipe(Effect.provide(clerk(answers)), Effect.withTracer(recorder.tracer))
    )
    return { exit, spans: recorder.spans }
  })

describe("operation spans", () => {
  it.live(
    "one client span per operation, named after the operationId, with its route template and outcome",
    () =>
      Effect.gen(function* () {
        const { exit, spans } = yield* traced(Users.get({ userId }), [{ body: FakeClerk.user() }])
        expect(exit._tag).toBe("Success")
        expect(spans.map((span) => span.name)).toEqual(["Clerk.GetUser"])
        const [span] = spans
        expect(span?.kind).toBe("client")
        expect(Object.fromEntries(span?.attributes ?? [])).toEqual({
          "clerk.operation_id": "GetUser",
          "http.request.method": "GET",
          "http.route": "/users/{user_id}",
          "http.response.status_code": 200,
          "clerk.attempts": 1
        })
        expect(span?.status._tag).toBe("Ended")
        // Ended as a success that holds no value: a span kept alive would keep the page alive.
        expect(span?.exit).toEqual(Exit.void)
      })
  )

  it.live("retries stay inside the one span, which counts the attempts and keeps the last status", () =>
    Effect.gen(function* () {
      const { spans } = yield* traced(Users.get({ userId }), [
        { status: 503, body: "<html>unavailable</html>" },
        { status: 429, body: FakeClerk.clerkError("too_many_requests") },
        { body: FakeClerk.user() }
      ])
      expect(spans.map((span) => span.name)).toEqual(["Clerk.GetUser"])
      expect(spans[0]?.attributes.get("clerk.attempts")).toBe(3)
      expect(spans[0]?.attributes.get("http.response.status_code")).toBe(200)
    })
  )

  it.live("a failed call records its status and ends the span with the failure", () =>
    Effect.gen(function* () {
      const { exit, spans } = yield* traced(Users.get({ userId }), [
        { status: 404, body: FakeClerk.clerkError("resource_not_found") }
      ])
      expect(exit._tag).toBe("Failure")
      expect(spans[0]?.attributes.get("http.response.status_code")).toBe(404)
      expect(spans[0]?.exit?._tag).toBe("Failure")
    })
  )

  it.live("no attribute of any span carries a user id, an email or a query value", () =>
    Effect.gen(function* () {
      const recorder = TracingRecorder.make()
      const layer = clerk([
        { body: [FakeClerk.user({ id: userId })] },
        { body: FakeClerk.user({ id: userId }) }
      ])
      yield* Effect.gen(function* () {
        yield* Users.list({ emailAddress: [email], query: "lovelace" })
        yield* Users.get({ userId })
      }).pipe(Effect.provide(layer), Effect.withTracer(recorder.tracer))
      // The control: both calls were traced.
      expect(recorder.spans.map((span) => span.name)).toEqual(["Clerk.GetUserList", "Clerk.GetUser"])
      for (const span of recorder.spans) {
        const values = JSON.stringify([...span.attributes.values(), span.events])
        for (const personal of [userId, email, "lovelace", FakeClerk.secretKey]) {
          expect(values).not.toContain(personal)
        }
      }
    })
  )
  describe("the span the HttpClient runs under", () => {
    /** The name of the span current where the HttpClient sends the request. */
    const spanSeenBySending = (
      tracing: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    ) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const watched = Layer.effect(
          HttpClient.HttpClient,
          Effect.map(HttpClient.HttpClient, (client) =>
            HttpClient.transform(client, (sending) =>
              Effect.zipRight(
                Effect.map(Effect.option(Effect.currentSpan), (span) =>
                  seen.push(Option.match(span, { onNone: () => "none", onSome: (span) => span.name }))
                ),
                sending
              )
            )
          )
        ).pipe(Layer.provide(FakeClerk.make([{ body: FakeClerk.user() }]).httpClient))
        const layer = ClerkClient.layer({
          secretKey: Redacted.make(FakeClerk.secretKey),
          apiUrl: FakeClerk.apiUrl
        }).pipe(Layer.provide(watched))
        yield* Users.get({ userId }).pipe(Effect.withSpan("caller"), Effect.provide(layer), tracing)
        return seen
      })

    it.live("is the operation's, under a tracer that keeps spans", () =>
      Effect.gen(function* () {
        const recorder = TracingRecorder.make()
        expect(yield* spanSeenBySending(Effect.withTracer(recorder.tracer))).toEqual(["Clerk.GetUser"])
      })
    )

    it.live(
      "is the caller's under Effect's own tracer, which keeps none: the call makes no span for nothing",
      () =>
        Effect.gen(function* () {
          expect(yield* spanSeenBySending((effect) => effect)).toEqual(["caller"])
        })
    )
  })
})
