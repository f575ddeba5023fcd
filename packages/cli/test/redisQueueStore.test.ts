import type * as PersistedQueue from "@effect/experimental/PersistedQueue"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import * as RedisQueueStore from "../src/internal/redisQueueStore.js"
import * as Queue from "../src/Queue.js"
import { type RedisServer, redisAvailable, startRedis } from "./support.js"

const prefix = "store-test:"

describe.runIf(redisAvailable)("the Redis PersistedQueue store", () => {
  let server: RedisServer | undefined
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(() => server?.stop())

  const makeStore = (options: Partial<RedisQueueStore.Options> = {}) =>
    RedisQueueStore.make({
      ...Either.getOrThrow(Queue.parseUrl(server!.url)),
      prefix,
      pollInterval: "20 millis",
      lockExpiration: "10 seconds",
      // Not whole milliseconds, as when the cli refreshes three times per expiration.
      lockRefreshInterval: "100.5 millis",
      ...options
    })

  // Takes one element in a scope of its own, which the test closes with the exit it chooses.
  const take = (
    store: PersistedQueue.PersistedQueueStore["Type"],
    options: { readonly name: string; readonly maxAttempts: number }
  ) =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const taken = yield* Scope.extend(store.take(options), scope)
      return { ...taken, close: (exit: Exit.Exit<unknown, unknown>) => Scope.close(scope, exit) }
    })

  // Nothing handed out within the wait; a busy machine can only make this pass later, not fail.
  const nothingLeft = (store: PersistedQueue.PersistedQueueStore["Type"], name: string) =>
    Effect.scoped(store.take({ name, maxAttempts: 10 })).pipe(
      Effect.timeoutOption("500 millis"),
      Effect.map(Option.isNone)
    )

  it.scopedLive("offering an id twice, or again once it is done, adds nothing", () =>
    Effect.gen(function* () {
      const store = yield* makeStore()
      const name = "twice"
      yield* store.offer({ name, id: "a", element: { n: 1 }, isCustomId: true })
      yield* store.offer({ name, id: "a", element: { n: 2 }, isCustomId: true })
      const first = yield* take(store, { name, maxAttempts: 3 })
      expect([first.id, first.attempts, first.element]).toEqual(["a", 0, { n: 1 }])
      yield* first.close(Exit.void)
      expect(yield* nothingLeft(store, name)).toBe(true)
      yield* store.offer({ name, id: "a", element: { n: 3 }, isCustomId: true })
      expect(yield* nothingLeft(store, name)).toBe(true)
    })
  )

  it.scopedLive("a failed element comes back until its attempts run out, then stays failed", () =>
    Effect.gen(function* () {
      const store = yield* makeStore()
      const name = "retries"
      yield* store.offer({ name, id: "b", element: "payload", isCustomId: true })
      const first = yield* take(store, { name, maxAttempts: 2 })
      expect(first.attempts).toBe(0)
      yield* first.close(Exit.fail("boom"))
      const second = yield* take(store, { name, maxAttempts: 2 })
      expect([second.id, second.attempts, second.element]).toEqual(["b", 1, "payload"])
      yield* second.close(Exit.fail("boom again"))
      expect(yield* nothingLeft(store, name)).toBe(true)
      const redis = new Redis(server!.url)
      const failed = yield* Effect.promise(() => redis.hget(`${prefix}${name}:failed`, "b"))
      yield* Effect.promise(() => redis.quit())
      expect(JSON.parse(failed ?? "null")).toMatchObject({ attempts: 2, element: "payload" })
      expect(failed).toContain("boom again")
    })
  )

  it.scopedLive("an interrupted taker gives the element back without counting an attempt", () =>
    Effect.gen(function* () {
      const store = yield* makeStore()
      const name = "interrupted"
      yield* store.offer({ name, id: "c", element: 1, isCustomId: true })
      const first = yield* take(store, { name, maxAttempts: 1 })
      yield* first.close(Exit.interrupt(FiberId.none))
      const second = yield* take(store, { name, maxAttempts: 1 })
      expect([second.id, second.attempts]).toEqual(["c", 0])
      yield* second.close(Exit.void)
    })
  )

  it.scopedLive("a taker waiting on an empty queue gets the element offered next", () =>
    Effect.gen(function* () {
      const store = yield* makeStore()
      const name = "waiting"
      const waiting = yield* Effect.fork(take(store, { name, maxAttempts: 3 }))
      yield* Effect.sleep("100 millis")
      yield* store.offer({ name, id: "d", element: null, isCustomId: true })
      const taken = yield* Fiber.join(waiting)
      expect(taken.id).toBe("d")
      yield* taken.close(Exit.void)
    })
  )

  it.scopedLive(
    "the element of a taker whose lock expired (a dead worker) is taken by another, and is no longer the first taker's",
    () =>
      Effect.gen(function* () {
        // The first store refreshes its lock once, as it takes, and then not for an hour: it is dead.
        const dead = yield* makeStore({ lockExpiration: "500 millis", lockRefreshInterval: "1 hour" })
        const alive = yield* makeStore()
        const name = "expired"
        yield* dead.offer({ name, id: "e", element: "row", isCustomId: true })
        const first = yield* take(dead, { name, maxAttempts: 5 })
        const second = yield* take(alive, { name, maxAttempts: 5 }).pipe(Effect.timeout("20 seconds"))
        expect([second.id, second.attempts, second.element]).toEqual(["e", 0, "row"])
        // The first taker's late success does not settle an element another taker holds.
        yield* first.close(Exit.void)
        yield* second.close(Exit.fail("retry me"))
        const third = yield* take(alive, { name, maxAttempts: 5 }).pipe(Effect.timeout("20 seconds"))
        expect([third.id, third.attempts]).toEqual(["e", 1])
        yield* third.close(Exit.void)
      }),
    30_000
  )
})
