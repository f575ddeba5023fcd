/**
 * What happened to each row of an import: the checkpoint that makes an import
 * resumable and idempotent. A row is marked begun before its request is sent
 * and gets its outcome once the answer is in; a row found begun but without an
 * outcome (its process died mid-request) is looked up in Clerk by its
 * `external_id` before anything is sent again. A file holds the ledger of a
 * single process; Redis holds the one that workers share.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type { RedisOptions } from "ioredis"
import { Redis } from "ioredis"

/**
 * @since 0.1.0
 * @category models
 */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("created", { userId: Schema.String }),
  /** The user was already in Clerk (same `external_id`, or an identifier Clerk says exists). */
  Schema.TaggedStruct("skipped", { userId: Schema.optional(Schema.String), reason: Schema.String }),
  Schema.TaggedStruct("failed", { code: Schema.String, message: Schema.String })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Outcome = typeof Outcome.Type

/**
 * The ledger's storage failed: the import stops, since going on without
 * a checkpoint could send a row twice.
 *
 * @since 0.1.0
 * @category errors
 */
export class LedgerError extends Data.TaggedError("LedgerError")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `checkpoint: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly outcome: (id: string) => Effect.Effect<Option.Option<Outcome>, LedgerError>
  /** Marks the row begun; `true` when it had been begun before (by a process that may have died). */
  readonly begin: (id: string) => Effect.Effect<boolean, LedgerError>
  readonly record: (id: string, outcome: Outcome) => Effect.Effect<void, LedgerError>
  /** Every row that has an outcome. */
  readonly outcomes: Effect.Effect<ReadonlyMap<string, Outcome>, LedgerError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Ledger extends Context.Tag("@effect-clerk/cli/Ledger")<Ledger, Service>() {}

const Entry = Schema.parseJson(
  Schema.Union(
    Schema.Struct({ id: Schema.String, begun: Schema.Literal(true) }),
    Schema.Struct({ id: Schema.String, outcome: Outcome })
  )
)
const encodeEntry = Schema.encodeSync(Entry)
const decodeEntry = Schema.decodeUnknownOption(Entry)
const encodeOutcome = Schema.encodeSync(Schema.parseJson(Outcome))
const decodeOutcome = Schema.decodeUnknown(Schema.parseJson(Outcome))

/**
 * A ledger in a JSONL file, appended to as rows begin and end. A last line cut
 * short by a crash is ignored: its row is then only begun, or not even that.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (path: string): Layer.Layer<Ledger, LedgerError, FileSystem.FileSystem> =>
  Layer.scoped(
    Ledger,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const fail = (reason: string) => (cause: unknown) =>
        new LedgerError({ reason: `${path}: ${reason}`, cause })
      const exists = yield* fs.exists(path).pipe(Effect.mapError(fail("cannot be read")))
      const text = exists ? yield* fs.readFileString(path).pipe(Effect.mapError(fail("cannot be read"))) : ""
      const begun = new Set<string>()
      const done = new Map<string, Outcome>()
      for (const line of text.split("\n")) {
        const entry = decodeEntry(line)
        if (Option.isNone(entry)) continue
        if ("outcome" in entry.value) done.set(entry.value.id, entry.value.outcome)
        else begun.add(entry.value.id)
      }
      const file = yield* fs.open(path, { flag: "a" }).pipe(Effect.mapError(fail("cannot be written")))
      const encoder = new TextEncoder()
      // A cut-off last line would glue itself to the next entry.
      if (text.length > 0 && !text.endsWith("\n")) {
        yield* file.writeAll(encoder.encode("\n")).pipe(Effect.mapError(fail("cannot be written")))
      }
      // Group commit: the entries of every row in flight go out in one write, so the ledger
      // costs a write per batch rather than two per row, whatever the concurrency.
      type Waiting = readonly [line: string, written: Deferred.Deferred<void, LedgerError>]
      const pending = yield* Queue.unbounded<Waiting>()
      const writeBatch = (batch: Chunk.Chunk<Waiting>) => {
        const lines = Chunk.join(
          Chunk.map(batch, ([line]) => line),
          ""
        )
        return file.writeAll(encoder.encode(lines)).pipe(
          Effect.mapError(fail("cannot be written")),
          Effect.exit,
          Effect.flatMap((exit) => Effect.forEach(batch, ([, written]) => Deferred.done(written, exit)))
        )
      }
      yield* Queue.takeBetween(pending, 1, Number.MAX_SAFE_INTEGER).pipe(
        Effect.flatMap(writeBatch),
        Effect.forever,
        Effect.forkScoped
      )
      const append = (entry: typeof Entry.Type) =>
        Effect.flatMap(Deferred.make<void, LedgerError>(), (written) =>
          Effect.zipRight(Queue.offer(pending, [`${encodeEntry(entry)}\n`, written]), Deferred.await(written))
        )
      return Ledger.of({
        outcome: (id) => Effect.sync(() => Option.fromNullable(done.get(id))),
        begin: (id) =>
          Effect.suspend(() => {
            const before = begun.has(id)
            begun.add(id)
            return Effect.as(append({ id, begun: true }), before)
          }),
        record: (id, outcome) =>
          Effect.suspend(() => {
            done.set(id, outcome)
            return append({ id, outcome })
          }),
        outcomes: Effect.sync(() => new Map(done))
      })
    })
  )

/**
 * Redis keys of one import job.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisJob {
  readonly redis: RedisOptions
  /** Names the job: the queue and its ledger. */
  readonly job: string
  /** Prefix of every key. */
  readonly prefix: string
}

/**
 * A ledger in two Redis hashes per job (`<prefix><job>:begun`, `<prefix><job>:outcomes`),
 * shared by every worker of the job. `HSETNX` decides which process begins a row first.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (options: RedisJob): Layer.Layer<Ledger> =>
  Layer.scoped(
    Ledger,
    Effect.gen(function* () {
      const redis = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(options.redis)),
        (client) => Effect.promise(() => client.quit())
      )
      const begunKey = `${options.prefix}${options.job}:begun`
      const outcomesKey = `${options.prefix}${options.job}:outcomes`
      const call = <A>(reason: string, f: () => Promise<A>) =>
        Effect.tryPromise({
          try: f,
          catch: (cause) => new LedgerError({ reason: `Redis: ${reason}`, cause })
        })
      const decode = (id: string, json: string) =>
        decodeOutcome(json).pipe(
          Effect.mapError(
            (cause) => new LedgerError({ reason: `Redis holds an unreadable outcome for ${id}`, cause })
          )
        )
      return Ledger.of({
        outcome: (id) =>
          call("cannot read an outcome", () => redis.hget(outcomesKey, id)).pipe(
            Effect.flatMap((json) => (json === null ? Effect.succeedNone : Effect.asSome(decode(id, json))))
          ),
        begin: (id) =>
          call("cannot mark a row begun", () => redis.hsetnx(begunKey, id, String(process.pid))).pipe(
            Effect.map((set) => set === 0)
          ),
        record: (id, outcome) =>
          call("cannot record an outcome", () => redis.hset(outcomesKey, id, encodeOutcome(outcome))),
        outcomes: call("cannot read the outcomes", () => redis.hgetall(outcomesKey)).pipe(
          Effect.flatMap((all) =>
            Effect.forEach(Object.entries(all), ([id, json]) =>
              Effect.map(decode(id, json), (o) => [id, o] as const)
            )
          ),
          Effect.map((entries) => new Map(entries))
        )
      })
    })
  )
