import { HttpClient, HttpClientRequest } from "@effect/platform"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Layer, TestClock } from "effect"
import { at } from "./harness.js"

const get = (emulator: ClerkEmulator.Emulator, path: string) =>
  emulator.handle({
    method: "GET",
    url: new URL(path, "https://api.clerk.com/v1/"),
    authorization: "Bearer sk_test_limited",
    contentType: undefined,
    body: new Uint8Array()
  })

describe("rateLimit", () => {
  it.effect(
    "over the limit in a fixed window answers 429 too_many_requests with Retry-After until the window ends",
    () =>
      Effect.gen(function* () {
        const emulator = yield* ClerkEmulator.make({ rateLimit: { limit: 3, window: "10 seconds" } })
        for (let i = 0; i < 3; i++) expect((yield* get(emulator, "users")).status).toBe(200)
        const refused = yield* get(emulator, "users/count")
        expect(refused.status).toBe(429)
        expect(refused.headers["retry-after"]).toBe("10")
        expect(JSON.parse(refused.body)).toMatchObject({
          errors: [
            { code: "too_many_requests", message: expect.any(String), long_message: expect.any(String) }
          ],
          clerk_trace_id: expect.any(String)
        })
        // Operations the emulator does not implement count and are refused alike.
        expect((yield* get(emulator, "billing/plans")).status).toBe(429)
        // The JWKS is never limited.
        expect((yield* get(emulator, "jwks")).status).toBe(200)

        yield* TestClock.adjust("4500 millis")
        const later = yield* get(emulator, "users")
        expect(later.status).toBe(429)
        expect(later.headers["retry-after"]).toBe("6")
        yield* TestClock.adjust("5500 millis")
        for (let i = 0; i < 3; i++) expect((yield* get(emulator, "users")).status).toBe(200)
        expect((yield* get(emulator, "users")).status).toBe(429)
      })
  )

  it.effect("without the option, requests are never limited", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      for (let i = 0; i < 200; i++) expect((yield* get(emulator, "users")).status).toBe(200)
    })
  )

  it.effect("the Layer takes the option", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const statuses = yield* Effect.forEach([1, 2, 3], () =>
        client
          .execute(
            HttpClientRequest.get("https://api.clerk.com/v1/users").pipe(
              HttpClientRequest.bearerToken("sk_x")
            )
          )
          .pipe(Effect.map((response) => [response.status, response.headers["retry-after"]]))
      )
      expect(statuses).toEqual([
        [200, undefined],
        [200, undefined],
        [429, "60"]
      ])
    }).pipe(
      Effect.provide(
        ClerkEmulator.layerWith({ rateLimit: { limit: 2, window: "1 minute" } }).pipe(Layer.orDie)
      )
    )
  )

  it.effect("startServer takes the option and answers Retry-After over HTTP", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(() =>
        ClerkEmulator.startServer({ rateLimit: { limit: 1, window: "1 minute" } })
      )
      const send = () =>
        Effect.promise(async () => {
          const response = await fetch(`${server.apiUrl}/users`, {
            headers: { authorization: "Bearer sk_x" }
          })
          return {
            status: response.status,
            retryAfter: response.headers.get("retry-after"),
            body: await response.json()
          }
        })
      expect((yield* send()).status).toBe(200)
      const refused = yield* send()
      yield* Effect.promise(() => server.close())
      expect(refused.status).toBe(429)
      // Real time passes between the two requests; the window is a minute long.
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(50)
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60)
      expect(at(refused.body, "errors", 0, "code")).toBe("too_many_requests")
    })
  )

  it.effect("an unusable rate limit is a typed error, also for startServer's callers", () =>
    Effect.gen(function* () {
      const unusable: ReadonlyArray<{ readonly limit: number; readonly window: Duration.DurationInput }> = [
        { limit: 0, window: "10 seconds" },
        { limit: 1.5, window: "10 seconds" },
        { limit: 10, window: "0 seconds" },
        { limit: 10, window: "ten seconds" as Duration.DurationInput },
        { limit: 10, window: Number.POSITIVE_INFINITY }
      ]
      for (const rateLimit of unusable) {
        const error = yield* Effect.flip(ClerkEmulator.make({ rateLimit }))
        expect(error).toBeInstanceOf(ClerkEmulator.InvalidOptionsError)
        expect(error.message).toMatch(/^rateLimit\.(limit|window) must be/)
      }
      const rejected = yield* Effect.promise(() =>
        ClerkEmulator.startServer({ rateLimit: { limit: -1, window: "1 second" } }).then(
          () => undefined,
          (error: unknown) => error
        )
      )
      expect(rejected).toBeInstanceOf(ClerkEmulator.InvalidOptionsError)
    })
  )
})
