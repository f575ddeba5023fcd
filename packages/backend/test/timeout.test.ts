import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { RetryPolicy, Timeout, Users } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as FakeClerk from "./fakeClerk.js"
import { clerkOver, nodeTransports } from "./nodeTransports.js"
import { closeServer, listenLocally } from "./localServer.js"

/**
 * A server that never finishes its answers: `/v1/users/slow-headers` never sends
 * headers, `/v1/users/slow-body` sends headers and half a body. Every request and
 * every closed connection is reported to the test.
 */
let server: Http.Server
let apiUrl: string
const requests: Array<string> = []
const closed: Array<string> = []
const closeWaiters: Array<() => void> = []

beforeAll(async () => {
  server = Http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    req.socket.once("close", () => {
      closed.push(`${req.method} ${req.url}`)
      for (const wake of closeWaiters.splice(0)) wake()
    })
    req.resume()
    if (req.url?.endsWith("/slow-body")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
      res.write('{"id":"user_')
    }
    // Otherwise: no answer at all.
  })
  server.keepAliveTimeout = 60_000
  apiUrl = `${await listenLocally(server)}/v1`
})

afterAll(() => closeServer(server))

for (const transport of nodeTransports) {
  const clerk = () => clerkOver(apiUrl, transport.layer)

  /** Resolves once the server has seen `count` connections close in total. */
  const connectionsClosed = (count: number) =>
    Effect.async<void>((resume) => {
      const check = () => {
        if (closed.length >= count) resume(Effect.void)
        else closeWaiters.push(check)
      }
      check()
    }).pipe(
      Effect.timeoutFail({
        duration: "5 seconds",
        onTimeout: () => new Error(`closed: ${closed.join(", ")}`)
      })
    )

  const reset = () => {
    requests.length = 0
    closed.length = 0
  }

  describe(`timeouts (${transport.name})`, () => {
    it.live("a per-call timeout fails with TimeoutException and the server sees the socket closed", () =>
      Effect.gen(function* () {
        reset()
        const error = yield* Effect.flip(
          Users.get({ userId: "slow-headers" }, { timeout: "150 millis", retry: RetryPolicy.disabled })
        )
        expect(error._tag).toBe("TimeoutException")
        yield* connectionsClosed(1)
        expect(closed).toEqual(["GET /v1/users/slow-headers"])
      }).pipe(Effect.provide(clerk()))
    )

    it.live("the timeout covers the body: a body that stops coming times out too", () =>
      Effect.gen(function* () {
        reset()
        const error = yield* Effect.flip(
          Users.get({ userId: "slow-body" }, { timeout: "150 millis", retry: RetryPolicy.disabled })
        )
        expect(error._tag).toBe("TimeoutException")
        yield* connectionsClosed(1)
        expect(closed).toEqual(["GET /v1/users/slow-body"])
      }).pipe(Effect.provide(clerk()))
    )

    it.live("Timeout.layer sets the timeout of every call", () =>
      Effect.gen(function* () {
        reset()
        const started = Date.now()
        const error = yield* Effect.flip(
          Users.get({ userId: "slow-headers" }, { retry: RetryPolicy.disabled })
        )
        expect(error._tag).toBe("TimeoutException")
        // Far below the 60 s default: the Layer's 100 ms applied.
        expect(Date.now() - started).toBeLessThan(5_000)
        yield* connectionsClosed(1)
      }).pipe(Effect.provide(Layer.merge(clerk(), Timeout.layer("100 millis"))))
    )

    it.live("a timed-out GET is tried again, a timed-out POST is not", () =>
      Effect.gen(function* () {
        reset()
        const retry = RetryPolicy.make({ baseDelay: "1 millis", maxAttempts: 3 })
        // Long enough for each attempt's request to reach the server on a busy machine.
        yield* Effect.flip(Users.get({ userId: "slow-headers" }, { timeout: "400 millis", retry }))
        expect(requests).toEqual([
          "GET /v1/users/slow-headers",
          "GET /v1/users/slow-headers",
          "GET /v1/users/slow-headers"
        ])
        requests.length = 0
        const error = yield* Effect.flip(
          Users.create({ emailAddress: ["ada@example.com"] }, { timeout: "400 millis", retry })
        )
        expect(error._tag).toBe("TimeoutException")
        expect(requests).toEqual(["POST /v1/users"])
      }).pipe(Effect.provide(clerk()))
    )
  })

  describe(`interruption (${transport.name})`, () => {
    it.live("interrupting a call aborts its socket", () =>
      Effect.gen(function* () {
        reset()
        const fiber = yield* Effect.fork(Users.get({ userId: "slow-headers" }))
        // Give up on the call once the server has it.
        yield* Effect.sleep("10 millis").pipe(
          Effect.repeat({ until: () => requests.length > 0 }),
          Effect.timeout("5 seconds")
        )
        yield* Fiber.interrupt(fiber)
        yield* connectionsClosed(1)
        expect(closed).toEqual(["GET /v1/users/slow-headers"])
      }).pipe(Effect.provide(clerk()))
    )
  })
}

describe("timeouts follow the Clock", () => {
  /** A client whose answers never come, whatever the HttpClient's own timers. */
  const silent = FakeClerk.layerOver(HttpClient.make(() => Effect.never))

  it.effect("under TestClock a call times out when the clock passes its timeout, not before", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Effect.flip(Users.get({ userId: "user_1" }, { timeout: "30 seconds", retry: RetryPolicy.disabled }))
      )
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutException")
      expect(error.message).toContain("30s")
    }).pipe(Effect.provide(silent))
  )

  it.effect("under TestClock a transport that bounds attempts itself still times out by the TestClock", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Effect.flip(
          Users.get({ userId: "slow-headers" }, { timeout: "30 seconds", retry: RetryPolicy.disabled })
        )
      )
      yield* TestClock.adjust("30 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutException")
      expect(error.message).toContain("30s")
    }).pipe(Effect.provide(clerkOver(apiUrl, UndiciHttpClient.layer)))
  )

  it.live("on the live Clock a call to an HttpClient that never answers times out with the same error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Users.get({ userId: "user_1" }, { timeout: "50 millis", retry: RetryPolicy.disabled })
      )
      expect(error._tag).toBe("TimeoutException")
      expect(error.message).toContain("50ms")
    }).pipe(Effect.provide(silent))
  )
})
