/**
 * Scale-out on Redis: `enqueue` puts an import's rows on `@effect/experimental`'s
 * `PersistedQueue` (each row's id is its queue id, so enqueueing a file again
 * adds nothing), `work` takes them in any number of processes. The Redis store
 * under it is this package's own (see `internal/redisQueueStore.ts` for why).
 * A row whose worker dies stays locked in Redis until its lock expires and is then taken by
 * another worker; the ledger's begun mark makes that worker look the user up
 * before sending anything, so no row is created twice.
 *
 * @since 0.1.0
 */
import type * as ClerkClient from "@effect-clerk/backend/ClerkClient"
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { RedisOptions } from "ioredis"
import { earlierFailures, type FailureLine, importRow, type Summary } from "./Importer.js"
import { Row } from "./ImportRow.js"
import * as Progress from "./internal/progress.js"
import * as RedisQueueStore from "./internal/redisQueueStore.js"
import * as Ledger from "./Ledger.js"

/**
 * @since 0.1.0
 * @category errors
 */
export class QueueError extends Data.TaggedError("QueueError")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `queue: ${this.reason}`
  }
}

/**
 * Reads `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS).
 *
 * @since 0.1.0
 * @category options
 */
export const parseUrl = (url: string): Either.Either<RedisOptions, QueueError> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Either.left(new QueueError({ reason: `${url} is not a URL (expected redis://host:port)` }))
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    return Either.left(new QueueError({ reason: `${url}: expected a redis:// or rediss:// URL` }))
  }
  const db = parsed.pathname.replace(/^\//, "")
  if (db !== "" && !/^[0-9]+$/.test(db)) {
    return Either.left(new QueueError({ reason: `${url}: the path must be a database number` }))
  }
  return Either.right({
    host: parsed.hostname,
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    ...(parsed.username !== "" && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== "" && { password: decodeURIComponent(parsed.password) }),
    ...(db !== "" && { db: Number(db) }),
    ...(parsed.protocol === "rediss:" && { tls: {} })
  })
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly redis: RedisOptions
  /** Names the job: its queue, ledger and rate budget key. */
  readonly job: string
  /**
   * How long a row stays locked to a worker that stopped answering (one that was
   * killed) before others may take it. Live workers refresh their locks.
   */
  readonly lockExpiration: Duration.DurationInput
}

/**
 * Every key of this tool in Redis starts with it.
 *
 * @since 0.1.0
 * @category constants
 */
export const prefix = "effect-clerk:"

/**
 * The queue's Redis store and the job's ledger.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<PersistedQueue.PersistedQueueFactory | Ledger.Ledger> => {
  const expiration = Duration.decode(options.lockExpiration)
  return Layer.merge(
    PersistedQueue.layer.pipe(
      Layer.provide(
        RedisQueueStore.layerStore({
          ...options.redis,
          prefix,
          // Each idle taker looks at an empty queue this often: rows come back there only when
          // a worker died or Redis failed, so seconds are no hurry.
          pollInterval: "250 millis",
          lockExpiration: expiration,
          // Locks are refreshed, and expired ones handed back, three times per expiration.
          lockRefreshInterval: Duration.divide(expiration, 3).pipe((d) =>
            d._tag === "Some" ? d.value : expiration
          )
        })
      )
    ),
    Ledger.layerRedis({ redis: options.redis, job: options.job, prefix })
  )
}

/** A row's queue id: its job and its external id. */
const queueId = (job: string, row: Row) => `${job}:${row.user.externalId}`

const queueOf = (job: string) => PersistedQueue.make({ name: `${job}:rows`, schema: Row })

/**
 * Puts rows on the job's queue; a row already enqueued (same id) is not added again.
 *
 * @since 0.1.0
 * @category queue
 */
export const enqueue = (
  job: string,
  rows: ReadonlyArray<Row>
): Effect.Effect<void, QueueError, PersistedQueue.PersistedQueueFactory> =>
  Effect.flatMap(queueOf(job), (queue) =>
    Effect.forEach(rows, (row) => queue.offer(row, { id: queueId(job, row) }), {
      concurrency: 16,
      discard: true
    })
  ).pipe(Effect.mapError((cause) => new QueueError({ reason: "cannot enqueue rows", cause })))

/**
 * Puts the rows on the job's queue and waits until workers have given each an
 * outcome, reporting progress. Rows an earlier run finished count as done.
 *
 * @since 0.1.0
 * @category queue
 */
export const importRows = (
  job: string,
  rows: ReadonlyArray<Row>,
  progressInterval: Duration.DurationInput
): Effect.Effect<
  Summary,
  QueueError | Ledger.LedgerError,
  PersistedQueue.PersistedQueueFactory | Ledger.Ledger
> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const before = yield* ledger.outcomes
    const todo = rows.filter((row) => !before.has(row.user.externalId))
    yield* enqueue(job, rows)
    const counts = yield* Ref.make(Progress.zero)
    const tally = Effect.gen(function* () {
      const outcomes = yield* ledger.outcomes
      let current = Progress.zero
      const failures: Array<FailureLine> = []
      for (const row of todo) {
        const outcome = outcomes.get(row.user.externalId)
        if (outcome === undefined) continue
        current = Progress.add(current, outcome._tag)
        if (outcome._tag === "failed") {
          failures.push({
            line: row.line,
            userId: row.user.externalId,
            code: outcome.code,
            message: outcome.message
          })
        }
      }
      yield* Ref.set(counts, current)
      return { ...current, failures }
    })
    const done = yield* Effect.scoped(
      Effect.zipRight(
        Progress.report(counts, { total: todo.length, label: "import", interval: progressInterval }),
        // Each tally reads every outcome: once a second keeps it off the workers' CPU.
        Effect.repeat(Effect.delay(tally, "1 second"), {
          until: (current) => current.created + current.skipped + current.failed >= todo.length
        })
      )
    )
    return {
      ...done,
      alreadyDone: rows.length - todo.length,
      failures: [...done.failures, ...earlierFailures(rows, before)].sort((a, b) => a.line - b.line)
    }
  })

/**
 * Takes rows from the job's queue, `concurrency` at a time, until interrupted.
 * Interrupting hands the rows in hand back to the queue.
 *
 * @since 0.1.0
 * @category queue
 */
export const work = (
  job: string,
  concurrency: number
): Effect.Effect<
  never,
  never,
  PersistedQueue.PersistedQueueFactory | Ledger.Ledger | ClerkClient.ClerkClient
> =>
  Effect.flatMap(queueOf(job), (queue) => {
    const takeOne = queue
      .take((row) => importRow(row), {
        // Each row's failure is an outcome; only Redis itself failing returns a row, and it
        // should come back as long as it takes Redis to return.
        maxAttempts: Number.MAX_SAFE_INTEGER
      })
      .pipe(
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.logWarning("effect-clerk worker: a row goes back to the queue", error),
            Effect.sleep("1 second")
          )
        )
      )
    return Effect.forEach(Array.from({ length: concurrency }), () => Effect.forever(takeOne), {
      concurrency: "unbounded",
      discard: true
    }).pipe(Effect.zipRight(Effect.never))
  })
