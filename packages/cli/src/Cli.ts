/**
 * The `effect-clerk` commands, built with `@effect/cli`:
 * `users import <file>`, `users export --out <file>`, `users diff <file>` and `worker`.
 * Clerk is reached through `CLERK_SECRET_KEY` (and `CLERK_API_URL`).
 *
 * @since 0.1.0
 */
import * as ClerkClient from "@effect-clerk/backend/ClerkClient"
import * as RateLimit from "@effect-clerk/backend/RateLimit"
import * as RateLimitRedis from "@effect-clerk/backend/RateLimitRedis"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Exporter from "./Exporter.js"
import * as Importer from "./Importer.js"
import * as Ledger from "./Ledger.js"
import * as Queue from "./Queue.js"
import * as Source from "./Source.js"

/**
 * A run that stopped for a reason the user can act on; the bin prints its message.
 *
 * @since 0.1.0
 * @category errors
 */
export class CliError extends Data.TaggedError("CliError")<{ readonly message: string }> {}

// Zero or negative counts and durations would stall a run (no request in flight, an
// empty budget) or make it spin, so the command line refuses them before anything starts.
const positiveInteger = (name: string) =>
  Schema.Int.pipe(Schema.positive({ message: () => `--${name} must be a whole number above 0` }))
const positiveSeconds = (name: string) =>
  Schema.Number.pipe(
    Schema.finite({ message: () => `--${name} must be a finite number of seconds` }),
    Schema.positive({ message: () => `--${name} must be a number of seconds above 0` })
  )

const format = Options.choice("format", Source.formats).pipe(
  Options.withDefault("clerk" as const),
  Options.withDescription(
    "What the file is: Clerk's migration format, or an Auth0, Firebase or Supabase export"
  )
)
const firebaseHashConfig = Options.file("firebase-hash-config", { exists: "yes" }).pipe(
  Options.optional,
  Options.withDescription("Firebase's password hash parameters (JSON), needed for Firebase password hashes")
)
// The rate budget paces requests; concurrency only has to cover their latency: Clerk's
// 100 requests a second at a few hundred milliseconds each need dozens in flight.
const concurrency = Options.integer("concurrency").pipe(
  Options.withSchema(positiveInteger("concurrency")),
  Options.withDefault(64),
  Options.withDescription("Requests in flight at once (per process)")
)
const rateLimit = Options.integer("rate-limit").pipe(
  Options.withSchema(positiveInteger("rate-limit")),
  Options.withDefault(RateLimit.clerkLimits.production.limit),
  Options.withDescription("Requests per window to stay under (all processes of a queue together)")
)
const rateWindow = Options.float("rate-window").pipe(
  Options.withSchema(positiveSeconds("rate-window")),
  Options.withDefault(10),
  Options.withDescription("The rate window, in seconds")
)
const queue = Options.text("queue").pipe(
  Options.withDescription("redis://host:port: share the rows among `effect-clerk worker` processes"),
  Options.optional
)
const job = Options.text("job").pipe(
  Options.withDefault("users-import"),
  Options.withDescription("Names the queue job: workers take the rows of the job of the same name")
)
const progressInterval = Options.float("progress-interval").pipe(
  Options.withSchema(positiveSeconds("progress-interval")),
  Options.withDefault(5),
  Options.withDescription("Seconds between progress lines when stderr is not a terminal")
)

const clerk = ClerkClient.layerConfig.pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * Clerk's window opens when the first request arrives, ours when it leaves. A
 * window of ours exactly as long as Clerk's would open the next burst while
 * Clerk's is still open whenever the request that opened Clerk's arrived later
 * than the next burst does (the first request of a run also sets up its
 * connection), and that burst would meet 429s. A small guard keeps the windows
 * apart; the 429s it does not prevent are retried after `Retry-After`.
 */
const guardMillis = (window: number) => Math.max(50, window * 20)

/**
 * Workers share the budget as evenly spaced requests rather than bursts of a
 * window's worth: the processes' windows cannot line up with Clerk's (each
 * burst arrives spread out, and Clerk's next window opens with its first
 * straggler), while any stretch of Clerk's window length holds about a
 * window's worth of evenly spaced requests wherever it starts. Redis counts in
 * whole milliseconds: the spacing is the guarded window over the limit to the
 * nearest millisecond, never closer than the window over the limit.
 */
const spacing = (limit: number, window: number) => {
  const exact = (window * 1000) / limit
  return Duration.millis(Math.max(Math.ceil(exact), Math.round(exact + guardMillis(window) / limit)))
}

const budget = (limit: number, window: number, redis: Option.Option<Queue.Options["redis"]>) =>
  Option.match(redis, {
    onNone: () => RateLimit.layer({ limit, interval: Duration.millis(window * 1000 + guardMillis(window)) }),
    onSome: (options) =>
      RateLimitRedis.layer({
        limit: 1,
        interval: spacing(limit, window),
        key: "rate",
        redis: { ...options, prefix: Queue.prefix }
      })
  })

const redisOf = (url: string) =>
  Effect.mapError(Queue.parseUrl(url), (error) => new CliError({ message: error.message }))

const readSource = (
  file: string,
  options: { readonly format: Source.Format; readonly firebaseHashConfig: Option.Option<string> }
) =>
  Effect.gen(function* () {
    const hashConfig = Option.isSome(options.firebaseHashConfig)
      ? yield* Source.readFirebaseHashConfig(options.firebaseHashConfig.value)
      : undefined
    return yield* Source.read(file, { format: options.format, firebaseHashConfig: hashConfig })
  }).pipe(Effect.mapError((error) => new CliError({ message: error.message })))

const describeIssue = (issue: Source.Issue) =>
  `line ${issue.line}${issue.userId === undefined ? "" : ` (userId ${issue.userId})`}: ${issue.reason}`

const importCommand = Command.make(
  "import",
  {
    file: Args.file({ name: "file", exists: "yes" }),
    format,
    firebaseHashConfig,
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Check every row, print the bad ones with their line, send nothing")
    ),
    skipInvalid: Options.boolean("skip-invalid").pipe(
      Options.withDescription("Import the valid rows and put the invalid ones in the failure report")
    ),
    checkpoint: Options.file("checkpoint").pipe(
      Options.optional,
      Options.withDescription("Where the run records each row (default <file>.checkpoint.jsonl)")
    ),
    report: Options.file("report").pipe(
      Options.optional,
      Options.withDescription("The failure report, JSONL (default <file>.failures.jsonl)")
    ),
    concurrency,
    rateLimit,
    rateWindow,
    queue,
    job,
    progressInterval
  },
  (options) =>
    Effect.gen(function* () {
      const source = yield* readSource(options.file, options)
      for (const issue of source.issues) yield* Console.log(describeIssue(issue))
      if (options.dryRun) {
        yield* Console.log(
          `${source.rows.length} rows valid, ${source.issues.length} invalid; dry run: nothing was sent`
        )
        if (source.issues.length > 0)
          return yield* new CliError({ message: `${source.issues.length} invalid rows` })
        return
      }
      if (source.issues.length > 0 && !options.skipInvalid) {
        return yield* new CliError({
          message: `${source.issues.length} invalid rows (listed above); nothing was sent. Fix them, or pass --skip-invalid to import the others and report these`
        })
      }
      const reportPath = Option.getOrElse(options.report, () => `${options.file}.failures.jsonl`)
      const invalid = source.issues.map(Importer.issueLine)
      const interval = Duration.seconds(options.progressInterval)
      const summary = yield* Option.match(options.queue, {
        onNone: () =>
          Importer.run(source.rows, { concurrency: options.concurrency, progressInterval: interval }).pipe(
            Effect.provide(
              Layer.mergeAll(
                Ledger.layerFile(
                  Option.getOrElse(options.checkpoint, () => `${options.file}.checkpoint.jsonl`)
                ),
                clerk,
                budget(options.rateLimit, options.rateWindow, Option.none())
              )
            )
          ),
        onSome: (url) =>
          Effect.gen(function* () {
            yield* Console.error(`import: ${source.rows.length} rows go on the queue of job ${options.job}`)
            return yield* Queue.importRows(options.job, source.rows, interval)
          }).pipe(
            Effect.provide(
              Effect.map(redisOf(url), (redis) =>
                Queue.layer({ redis, job: options.job, lockExpiration: "30 seconds" })
              ).pipe(Layer.unwrapEffect)
            )
          )
      })
      const failures = [...invalid, ...summary.failures].sort((a, b) => a.line - b.line)
      yield* Importer.writeReport(reportPath, failures)
      yield* Console.log(
        `created ${summary.created}, skipped ${summary.skipped}, failed ${summary.failed}` +
          (summary.alreadyDone > 0 ? ` (${summary.alreadyDone} rows done by an earlier run)` : "") +
          (failures.length > 0 ? `; failure report: ${reportPath}` : "")
      )
    })
).pipe(Command.withDescription("Import users into Clerk from a JSON, JSONL or CSV file"))

const exportCommand = Command.make(
  "export",
  {
    out: Options.file("out").pipe(
      Options.withDescription("The JSONL file to write; an existing one is resumed")
    ),
    progressInterval
  },
  (options) =>
    Exporter.exportUsers(options.out, { progressInterval: Duration.seconds(options.progressInterval) }).pipe(
      Effect.flatMap(({ written, alreadyWritten }) =>
        Console.log(
          `exported ${written} users` +
            (alreadyWritten > 0 ? ` (${alreadyWritten} were already in ${options.out})` : "")
        )
      ),
      Effect.provide(clerk)
    )
).pipe(Command.withDescription("Write every user to a JSONL file in Clerk's migration format"))

const diffCommand = Command.make(
  "diff",
  { file: Args.file({ name: "file", exists: "yes" }), format, firebaseHashConfig },
  (options) =>
    Effect.gen(function* () {
      const source = yield* readSource(options.file, options)
      for (const issue of source.issues) yield* Console.error(describeIssue(issue))
      const differences = yield* Exporter.diff(source.rows)
      for (const difference of differences) yield* Console.log(JSON.stringify(difference))
      const missing = differences.filter((difference) => difference.status === "missing").length
      yield* Console.error(
        `${source.rows.length} rows: ${source.rows.length - differences.length} as in Clerk, ${missing} missing, ${differences.length - missing} differ`
      )
    }).pipe(Effect.provide(clerk))
).pipe(Command.withDescription("Say which rows of an import file are missing in Clerk or differ from it"))

const workerCommand = Command.make(
  "worker",
  {
    queue: Options.text("queue").pipe(Options.withDescription("redis://host:port of the import's queue")),
    job,
    concurrency,
    rateLimit,
    rateWindow,
    lockExpiration: Options.float("lock-expiration").pipe(
      Options.withSchema(positiveSeconds("lock-expiration")),
      Options.withDefault(30),
      Options.withDescription("Seconds before the rows of a worker that died go to other workers")
    )
  },
  (options) =>
    Effect.gen(function* () {
      const redis = yield* redisOf(options.queue)
      yield* Console.error(`worker: taking rows of job ${options.job}`)
      return yield* Queue.work(options.job, options.concurrency).pipe(
        Effect.provide(
          Layer.mergeAll(
            Queue.layer({
              redis,
              job: options.job,
              lockExpiration: Duration.seconds(options.lockExpiration)
            }),
            clerk,
            budget(options.rateLimit, options.rateWindow, Option.some(redis))
          )
        )
      )
    })
).pipe(Command.withDescription("Take rows from an import's Redis queue until stopped"))

/**
 * The root command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-clerk").pipe(
  Command.withSubcommands([
    Command.make("users").pipe(Command.withSubcommands([importCommand, exportCommand, diffCommand])),
    workerCommand
  ])
)

/**
 * Runs the command line (`process.argv`).
 *
 * @since 0.1.0
 * @category commands
 */
export const run = Command.run(command, { name: "effect-clerk", version: "0.1.0" })
