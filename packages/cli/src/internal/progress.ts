/**
 * Progress of a long run: a bar redrawn in place on a terminal, plain lines
 * at an interval otherwise (logs, CI), both on stderr so stdout stays data.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"

export interface Counts {
  readonly created: number
  readonly skipped: number
  readonly failed: number
}

export const zero: Counts = { created: 0, skipped: 0, failed: 0 }

export const add = (counts: Counts, tag: keyof Counts): Counts => ({ ...counts, [tag]: counts[tag] + 1 })

const done = (counts: Counts) => counts.created + counts.skipped + counts.failed

const seconds = (value: number) =>
  value >= 3600
    ? `${Math.floor(value / 3600)}h${Math.floor((value % 3600) / 60)}m`
    : value >= 60
      ? `${Math.floor(value / 60)}m${Math.round(value % 60)}s`
      : `${Math.round(value)}s`

const describe = (counts: Counts, total: number, startedAt: number, now: number): string => {
  const finished = done(counts)
  const elapsed = Math.max(0.001, (now - startedAt) / 1000)
  const rate = finished / elapsed
  const eta = rate > 0 ? seconds((total - finished) / rate) : "?"
  return `${finished}/${total} created ${counts.created} skipped ${counts.skipped} failed ${counts.failed} · ${rate.toFixed(1)}/s · ETA ${eta}`
}

const bar = (finished: number, total: number, width = 24) => {
  const filled = total === 0 ? width : Math.round((finished / total) * width)
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${total === 0 ? 100 : Math.floor((finished / total) * 100)}%`
}

export interface Options {
  readonly total: number
  /** What a line starts with: "import", "export", ... */
  readonly label: string
  /** Between plain lines when stderr is not a terminal. */
  readonly interval: Duration.DurationInput
}

/**
 * Reports `counts` until the scope closes, then writes the final state once more.
 */
export const report = (counts: Ref.Ref<Counts>, options: Options): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const tty = process.stderr.isTTY === true
    const startedAt = Date.now()
    const render = Effect.map(Ref.get(counts), (current) => {
      const text = describe(current, options.total, startedAt, Date.now())
      return tty
        ? `\r${options.label} ${bar(done(current), options.total)} ${text}\x1b[K`
        : `${options.label} ${text}\n`
    })
    const write = Effect.flatMap(render, (line) => Effect.sync(() => process.stderr.write(line)))
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(write, tty ? Effect.sync(() => process.stderr.write("\n")) : Effect.void)
    )
    yield* write.pipe(
      Effect.repeat(Schedule.spaced(tty ? Duration.millis(200) : options.interval)),
      Effect.delay(tty ? Duration.millis(200) : options.interval),
      Effect.forkScoped
    )
  })
