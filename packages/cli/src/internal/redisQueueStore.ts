/**
 * A Redis store for `@effect/experimental`'s `PersistedQueue`, written for this
 * package. The Redis store that ships with `@effect/experimental` 0.61.1 has
 * two broken Lua scripts: the one that hands back a dead worker's elements
 * walks `HGETALL`'s reply with `pairs` (so it requeues every pending element,
 * live ones too, plus their ids as bogus elements), and the one that moves an
 * element to the failed list declares fewer keys than it reads. Effect 4 fixes
 * both (Effect-TS/effect-smol#2500), no Effect 3 release does, and a patch of
 * the installed package would not reach this package's users.
 *
 * Keys, under `<prefix><queue name>`: a list of waiting ids, a set of every id
 * ever offered (so offering an id again is a no-op, even once it is done), a
 * hash of each id's element and attempts, a set of taken ids, one lock per
 * taken id (its TTL refreshed while the taker's scope is open) and a hash of
 * the elements that ran out of attempts. A taken id whose lock has expired (its
 * worker was killed) goes back on the queue: takers that find the queue empty
 * look for such ids, at most once per lock refresh interval among all workers.
 *
 * Lock keys are built inside the scripts from the popped ids, which a single
 * Redis server allows and Redis Cluster would not.
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Redis, type RedisOptions } from "ioredis"

export interface Options extends RedisOptions {
  /** Starts every key of the store. */
  readonly prefix?: string | undefined
  /** How long a taker waits before looking at an empty queue again. */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** How often a taken element's lock is refreshed. */
  readonly lockRefreshInterval?: Duration.DurationInput | undefined
  /** How long a lock outlives its last refresh, so how long a dead worker's element stays taken. */
  readonly lockExpiration?: Duration.DurationInput | undefined
}

// KEYS: ids, elements, queue. ARGV: id, envelope.
const offerScript = `
if redis.call("SADD", KEYS[1], ARGV[1]) == 1 then
  redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
  redis.call("RPUSH", KEYS[3], ARGV[1])
end`

// KEYS: queue, taken, elements. ARGV: lock key prefix, lock token, lock TTL (ms).
const takeScript = `
local id = redis.call("LPOP", KEYS[1])
if not id then return false end
redis.call("SADD", KEYS[2], id)
redis.call("SET", ARGV[1] .. id, ARGV[2], "PX", ARGV[3])
return { id, redis.call("HGET", KEYS[3], id) }`

// KEYS: taken, queue, last-scan mark. ARGV: lock key prefix, scan interval (ms).
const requeueExpiredScript = `
if not redis.call("SET", KEYS[3], "1", "PX", ARGV[2], "NX") then return 0 end
local requeued = 0
for _, id in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  if redis.call("EXISTS", ARGV[1] .. id) == 0 then
    redis.call("SREM", KEYS[1], id)
    redis.call("RPUSH", KEYS[2], id)
    requeued = requeued + 1
  end
end
return requeued`

// KEYS: taken, lock, queue, elements, failed. ARGV: id, lock token, "done" | "retry" | "failed", envelope.
// An element whose lock another taker holds, or that went back on the queue, is no longer ours to settle.
const settleScript = `
local owner = redis.call("GET", KEYS[2])
if (owner and owner ~= ARGV[2]) or redis.call("SREM", KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call("DEL", KEYS[2])
if ARGV[3] == "retry" then
  redis.call("HSET", KEYS[4], ARGV[1], ARGV[4])
  redis.call("RPUSH", KEYS[3], ARGV[1])
else
  redis.call("HDEL", KEYS[4], ARGV[1])
  if ARGV[3] == "failed" then redis.call("HSET", KEYS[5], ARGV[1], ARGV[4]) end
end
return 1`

const Envelope = Schema.parseJson(Schema.Struct({ attempts: Schema.Number, element: Schema.Unknown }))

interface Taken {
  readonly id: string
  readonly attempts: number
  readonly element: unknown
}

const queueError = (message: string) => (cause: unknown) =>
  new PersistedQueue.PersistedQueueError({ message, cause })

/**
 * The store over one ioredis connection, closed with the scope.
 */
export const make = Effect.fnUntraced(function* (options: Options) {
  const prefix = options.prefix ?? "effectq:"
  const pollInterval = options.pollInterval ?? "1 second"
  // Redis takes whole milliseconds; the cli's refresh interval is a third of the expiration.
  const lockExpiration = Math.ceil(Duration.toMillis(options.lockExpiration ?? "90 seconds"))
  const lockRefresh = Math.ceil(Duration.toMillis(options.lockRefreshInterval ?? "30 seconds"))
  const redis = yield* Effect.acquireRelease(
    Effect.sync(() => new Redis(options)),
    (redis) =>
      Effect.orElse(
        Effect.tryPromise(() => redis.quit()),
        () => Effect.sync(() => redis.disconnect())
      )
  )
  const run = (script: string, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) =>
    Effect.tryPromise({
      try: () => redis.eval(script, keys.length, ...keys, ...args),
      catch: queueError("Redis failed to run a queue script")
    })
  const keys = (name: string) => {
    const base = `${prefix}${name}`
    return {
      queue: base,
      ids: `${base}:ids`,
      elements: `${base}:elements`,
      taken: `${base}:taken`,
      failed: `${base}:failed`,
      lastScan: `${base}:scanned`,
      lockPrefix: `${base}:lock:`
    }
  }

  const settle = (
    name: string,
    id: string,
    token: string,
    outcome: "done" | "retry" | "failed",
    envelope: string
  ) => {
    const k = keys(name)
    return run(
      settleScript,
      [k.taken, k.lockPrefix + id, k.queue, k.elements, k.failed],
      [id, token, outcome, envelope]
    )
  }

  // Pops one id and locks it to this taker; `undefined` when the queue is empty.
  const takeOne = Effect.fnUntraced(function* (name: string, maxAttempts: number) {
    const k = keys(name)
    const token = crypto.randomUUID()
    const popped = yield* run(
      takeScript,
      [k.queue, k.taken, k.elements],
      [k.lockPrefix, token, lockExpiration]
    )
    if (!Array.isArray(popped)) return undefined
    const [id, raw] = popped as [string, string | undefined]
    const decoded = yield* Schema.decodeUnknown(Envelope)(raw).pipe(
      Effect.mapError(queueError(`the element of ${id} in Redis is unreadable`)),
      // An element nobody can read goes to the failed ones rather than back to the queue forever.
      Effect.tapError(() => settle(name, id, token, "failed", JSON.stringify({ unreadable: raw ?? null })))
    )
    const lock = k.lockPrefix + id
    yield* Effect.tryPromise(() => redis.pexpire(lock, lockExpiration)).pipe(
      Effect.catchAll((error) => Effect.logWarning(`effect-clerk: cannot refresh the lock of ${id}`, error)),
      Effect.repeat(Schedule.spaced(lockRefresh)),
      // Forked from the uninterruptible take: closing the scope must still be able to stop it.
      Effect.interruptible,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer((exit) => {
      // An interrupted taker (a worker shutting down) did not try the element: no attempt is counted.
      const tried = Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
      const attempts = tried ? decoded.attempts + 1 : decoded.attempts
      const outcome = Exit.isSuccess(exit) ? "done" : attempts >= maxAttempts ? "failed" : "retry"
      const failure = Exit.isFailure(exit) && outcome === "failed" ? Cause.pretty(exit.cause) : undefined
      const envelope = JSON.stringify({ attempts, element: decoded.element, failure })
      // A finalizer cannot fail: if Redis is away, the lock expires and the element comes back.
      return settle(name, id, token, outcome, envelope).pipe(
        Effect.catchAll((error) => Effect.logWarning(`effect-clerk: cannot settle ${id}`, error))
      )
    })
    return { id, attempts: decoded.attempts, element: decoded.element }
  })

  return PersistedQueue.PersistedQueueStore.of({
    offer: ({ element, id, name }) =>
      Effect.try({
        try: () => JSON.stringify({ attempts: 0, element }),
        catch: queueError(`the element of ${id} cannot be written as JSON`)
      }).pipe(
        Effect.flatMap((envelope) => {
          const k = keys(name)
          return run(offerScript, [k.ids, k.elements, k.queue], [id, envelope])
        })
      ),
    take: ({ maxAttempts, name }) => {
      const k = keys(name)
      const waitOnce = run(
        requeueExpiredScript,
        [k.taken, k.queue, k.lastScan],
        [k.lockPrefix, lockRefresh]
      ).pipe(Effect.zipRight(Effect.sleep(pollInterval)), Effect.as(undefined))
      // Popping and registering the finalizer are one step, so an interruption cannot lose an element.
      const poll = Effect.flatMap(Effect.uninterruptible(takeOne(name, maxAttempts)), (taken) =>
        taken === undefined ? waitOnce : Effect.succeed(taken)
      )
      return Effect.repeat(poll, { until: (taken): taken is Taken => taken !== undefined })
    }
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layerStore = (options: Options): Layer.Layer<PersistedQueue.PersistedQueueStore> =>
  Layer.scoped(PersistedQueue.PersistedQueueStore, make(options))
