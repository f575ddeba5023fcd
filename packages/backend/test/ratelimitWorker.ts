/**
 * One of the processes of the shared-budget test: makes `calls` requests to the
 * test server through `RateLimitRedis`, starting at `startAt` (epoch millis) so
 * that both processes compete for the budget at once, then exits.
 * Usage: ratelimitWorker.ts <apiUrl> <redisPort> <key> <limit> <intervalMillis> <calls> <name> <startAt>
 */
import { NodeHttpClient } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClerkClient, Users } from "../src/index.js"
import * as RateLimitRedis from "../src/RateLimitRedis.js"

const args = process.argv.slice(2)
if (args.length !== 8) {
  throw new Error(
    "usage: ratelimitWorker.ts <apiUrl> <redisPort> <key> <limit> <intervalMillis> <calls> <name> <startAt>"
  )
}
const [apiUrl, redisPort, key, limit, intervalMillis, calls, name, startAt] = args as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string
]

const layer = Layer.mergeAll(
  ClerkClient.layer({ secretKey: Redacted.make("sk_test_ratelimitWorker"), apiUrl }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  ),
  RateLimitRedis.layer({
    key,
    limit: Number(limit),
    interval: Number(intervalMillis),
    redis: { host: "127.0.0.1", port: Number(redisPort) }
  })
)

const program = Effect.forEach(
  Array.from({ length: Number(calls) }, (_, i) => `${name}-${i}`),
  (userId) => Users.get({ userId }),
  { concurrency: "unbounded", discard: true }
)

Effect.runPromise(
  Effect.provide(program, layer).pipe(Effect.delay(Math.max(0, Number(startAt) - Date.now())))
).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
