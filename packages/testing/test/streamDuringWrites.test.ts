import { NodeHttpClient } from "@effect/platform-node"
import { ClerkClient, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import { str } from "./harness.js"

// Users.stream over real HTTP while users keep being created: the cursor walk
// must yield every user that existed when it began exactly once. An offset walk
// over the newest-first list would repeat users, pushed onto the next page by
// each one created in between.

const existing = 20_000
const createdDuringWalk = 1_000
const pageSize = 500

const Sdk = Layer.unwrapScoped(
  Effect.map(ClerkEmulator.serve(), ({ apiUrl }) =>
    ClerkClient.layer({ secretKey: Redacted.make("sk_test_stream_writes"), apiUrl })
  )
).pipe(
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make())),
  Layer.orDie
)

const createUsers = (count: number, prefix: string) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    (i) => Effect.map(Users.create({ externalId: `${prefix}-${i}` }), (user) => user.id),
    { concurrency: 16 }
  )

it.live(
  "streaming 20,000 users while 1,000 are created yields each existing user exactly once",
  () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const before = new Set<string>()
      // Seeded with the raw in-process call: what matters here is the walk, and the SDK's
      // round trip (its encoding and decoding) would cost most of this test's time.
      for (let i = 0; i < existing; i++)
        before.add(str(yield* emulator.request("POST", "users", { external_id: `before-${i}` }), "id"))
      const pages = Math.ceil(existing / pageSize)
      const perPage = Math.ceil(createdDuringWalk / pages)
      let created = 0
      const seen = new Map<string, number>()
      yield* Users.stream({}, { pageSize }).pipe(
        Stream.grouped(pageSize),
        Stream.runForEach((chunk) =>
          Effect.gen(function* () {
            for (const user of chunk) seen.set(user.id, (seen.get(user.id) ?? 0) + 1)
            // New users arrive between pages, while the next page is already on its way.
            const now = Math.min(perPage, createdDuringWalk - created)
            yield* createUsers(now, `during-${created}`)
            created += now
          })
        )
      )
      expect(created).toBe(createdDuringWalk)
      const repeated = [...seen].filter(([, count]) => count > 1)
      expect(repeated).toEqual([])
      const missing = [...before].filter((id) => !seen.has(id))
      expect(missing).toEqual([])
      // Users created during a newest-first walk sort before its cursor: none is seen.
      expect(seen.size).toBe(existing)
    }).pipe(Effect.provide(Sdk)),
  120_000
)
