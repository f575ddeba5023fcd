import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { ClerkClient, RateLimit, RetryPolicy, Users } from "../src/index.js"
import * as RateLimitRedis from "../src/RateLimitRedis.js"
import { NodeHttpClient } from "@effect/platform-node"
import * as Logger from "effect/Logger"
import * as FakeClerk from "./fakeClerk.js"
import { closeServer, listenLocally } from "./localServer.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

describe("RateLimit.layer (one process)", () => {
  it.effect("keeps the process under its budget: 5 per second lets 12 calls through in three windows", () =>
    Effect.gen(function* () {
      const fake = FakeClerk.make(() => ({ body: FakeClerk.user() }))
      const layer = Layer.mergeAll(
        ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl: FakeClerk.apiUrl }).pipe(
          Layer.provide(fake.httpClient)
        ),
        RateLimit.layer({ limit: 5, interval: "1 second" })
      )
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 12 }), () => Users.get({ userId }), {
          concurrency: "unbounded"
        }).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust("999 millis")
      expect(fake.requests.length).toBe(5)
      yield* TestClock.adjust("1 millis")
      expect(fake.requests.length).toBe(10)
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber)).length).toBe(12)
      expect(fake.requests.length).toBe(12)
    })
  )

  it.effect("retries take permits too", () =>
    Effect.gen(function* () {
      const fake = FakeClerk.make([
        { status: 503, body: "<html>unavailable</html>" },
        { body: FakeClerk.user() },
        { body: FakeClerk.user() }
      ])
      const layer = Layer.mergeAll(
        ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl: FakeClerk.apiUrl }).pipe(
          Layer.provide(fake.httpClient)
        ),
        RateLimit.layer({ limit: 2, interval: "1 second" }),
        RetryPolicy.layer({ baseDelay: "1 millis" })
      )
      const fiber = yield* Effect.fork(
        Effect.all([Users.get({ userId }), Users.get({ userId })], { concurrency: 2 }).pipe(
          Effect.provide(layer)
        )
      )
      yield* TestClock.adjust("500 millis")
      // Two first attempts spent the window; the retry waits for the next one.
      expect(fake.requests.length).toBe(2)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(fiber)
      expect(fake.requests.length).toBe(3)
    })
  )
})

/**
 * `RateLimitRedis` needs a real Redis: the test starts `redis-server` on a free
 * loopback port. Without the binary it is skipped locally and fails in CI.
 */
const redisAvailable = ChildProcess.spawnSync("redis-server", ["--version"]).status === 0
if (!redisAvailable) {
  console.warn(
    "ratelimit.test.ts: redis-server not found, skipping the shared-budget test (apt-get install redis-server)"
  )
}

describe("RateLimitRedis.layer (shared through a real Redis)", () => {
  it.runIf(!redisAvailable && process.env.CI !== undefined)("redis-server is installed in CI", () => {
    throw new Error("redis-server is missing: CI must install it (apt-get install -y redis-server)")
  })

  const here = Path.dirname(fileURLToPath(import.meta.url))
  const root = Path.resolve(here, "../../..")
  let redis: ChildProcess.ChildProcess | undefined
  let redisPort = 0
  let server: Http.Server | undefined
  let apiUrl = ""
  const arrivals: Array<{ readonly at: number; readonly process: string }> = []

  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = Http.createServer()
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
    })

  beforeAll(async () => {
    if (!redisAvailable) return
    redisPort = await freePort()
    const started = ChildProcess.spawn(
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    redis = started
    await new Promise<void>((resolve, reject) => {
      started.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("Ready to accept connections")) resolve()
      })
      started.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)))
    })
    server = Http.createServer((req, res) => {
      arrivals.push({ at: performance.now(), process: (req.url ?? "").split("/").pop()?.split("-")[0] ?? "" })
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify(FakeClerk.user()))
    })
    apiUrl = `${await listenLocally(server)}/v1`
  })

  afterAll(async () => {
    redis?.kill()
    if (server !== undefined) await closeServer(server)
  })

  const worker = (
    key: string,
    limit: number,
    intervalMillis: number,
    calls: number,
    name: string,
    startAt: number
  ) =>
    new Promise<void>((resolve, reject) => {
      const child = ChildProcess.spawn(
        process.execPath,
        [
          "--conditions=@effect-clerk/source",
          "--import",
          "tsx",
          Path.join(here, "ratelimitWorker.ts"),
          apiUrl,
          String(redisPort),
          key,
          String(limit),
          String(intervalMillis),
          String(calls),
          name,
          String(startAt)
        ],
        { cwd: root, stdio: ["ignore", "inherit", "inherit"] }
      )
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))
      )
    })

  it.runIf(redisAvailable)(
    "two processes sharing one key stay together under the budget",
    async () => {
      const limit = 10
      const window = 1000
      const key = `clerk-test-${process.pid}-${Date.now()}`
      // Far enough ahead for both processes to have loaded.
      const startAt = Date.now() + 5000
      await Promise.all([
        worker(key, limit, window, 20, "alpha", startAt),
        worker(key, limit, window, 20, "beta", startAt)
      ])

      expect(arrivals.length).toBe(40)
      const times = arrivals.map((arrival) => arrival.at).sort((a, b) => a - b)
      // Any stretch shorter than a window (less a margin for process scheduling) holds at most `limit`.
      const margin = 200
      const busiest = Math.max(
        ...times.map((start) => times.filter((t) => t >= start && t < start + window - margin).length)
      )
      expect(busiest).toBeLessThanOrEqual(limit)
      // 40 calls at 10 per window need at least three more windows after the first.
      expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(3 * window - margin)
      // Both processes were served. Alone, each would have finished within two windows:
      // the spread above exists only because they drew from one budget.
      const served = (name: string) => arrivals.filter((arrival) => arrival.process === name).length
      expect([served("alpha"), served("beta")]).toEqual([20, 20])
    },
    60_000
  )

  it.runIf(redisAvailable)(
    "a window that is not a whole number of milliseconds per request still limits",
    async () => {
      // 3 per second: 333.3 ms per request, which Redis' PX cannot take as it is.
      const limit = 3
      const window = 1000
      const warnings: Array<unknown> = []
      const calls = Effect.forEach(
        Array.from({ length: 7 }, (_, i) => `gamma-${i}`),
        (id) => Users.get({ userId: id }),
        { concurrency: "unbounded", discard: true }
      )
      await Effect.runPromise(
        calls.pipe(
          Effect.provide(
            Layer.mergeAll(
              ClerkClient.layer({ secretKey: Redacted.make("sk_test_ratelimit"), apiUrl }).pipe(
                Layer.provide(NodeHttpClient.layerUndici)
              ),
              RateLimitRedis.layer({
                key: `clerk-test-odd-${process.pid}-${Date.now()}`,
                limit,
                interval: window,
                redis: { host: "127.0.0.1", port: redisPort }
              }),
              Logger.replace(
                Logger.defaultLogger,
                Logger.make(({ message }) => warnings.push(message))
              )
            )
          )
        )
      )
      // Every permit came from Redis: none was skipped for a failing limiter.
      expect(warnings).toEqual([])
      const times = arrivals
        .filter((arrival) => arrival.process === "gamma")
        .map((arrival) => arrival.at)
        .sort((a, b) => a - b)
      expect(times.length).toBe(7)
      const margin = 200
      const busiest = Math.max(
        ...times.map((start) => times.filter((t) => t >= start && t < start + window - margin).length)
      )
      expect(busiest).toBeLessThanOrEqual(limit)
      // 7 calls at 3 per window: the third window holds the last.
      expect(times[6]! - times[0]!).toBeGreaterThanOrEqual(2 * window - margin)
    },
    30_000
  )
})
