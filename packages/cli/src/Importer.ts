/**
 * Sends rows to Clerk, each at most once: the ledger says which rows are done,
 * and a row that a dead process had begun is looked up by its `external_id`
 * before it is sent again. A user Clerk already has is skipped, never
 * duplicated. The same step serves a single process and the queue's workers.
 *
 * @since 0.1.0
 */
import type * as ClerkClient from "@effect-clerk/backend/ClerkClient"
import * as Users from "@effect-clerk/backend/Users"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Progress from "./internal/progress.js"
import { type Row, toCreateParams } from "./ImportRow.js"
import { Ledger, type LedgerError, type Outcome } from "./Ledger.js"
import type { Issue } from "./Source.js"

/** Clerk's code for an email, phone or username that another user already has. */
const identifierExists = "form_identifier_exists"

type Failed = Extract<Outcome, { readonly _tag: "failed" }>

const failure = (error: { readonly _tag: string; readonly message: string }): Failed => {
  if ("errors" in error && Array.isArray(error.errors) && error.errors.length > 0) {
    const first = error.errors[0] as {
      readonly code: string
      readonly message: string
      readonly longMessage?: string
    }
    return { _tag: "failed", code: first.code, message: first.longMessage ?? first.message }
  }
  return { _tag: "failed", code: error._tag, message: error.message }
}

const lookUp = (externalId: string) =>
  Users.list({ externalId: [externalId], limit: 1 }).pipe(
    Effect.map((users) => Option.fromNullable(users[0])),
    Effect.either
  )

/**
 * Creates one row's user, or says why not. The outcome is recorded in the
 * ledger; a row that already has one is not sent and its recorded outcome is returned.
 *
 * @since 0.1.0
 * @category importing
 */
export const importRow = (row: Row): Effect.Effect<Outcome, LedgerError, Ledger | ClerkClient.ClerkClient> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    const id = row.user.externalId
    const recorded = yield* ledger.outcome(id)
    if (Option.isSome(recorded)) return recorded.value
    const begunBefore = yield* ledger.begin(id)
    let outcome: Outcome | undefined
    if (begunBefore) {
      const found = yield* lookUp(id)
      if (found._tag === "Left") outcome = failure(found.left)
      else if (Option.isSome(found.right)) {
        outcome = {
          _tag: "skipped",
          userId: found.right.value.id,
          reason: "already in Clerk (same external_id)"
        }
      }
    }
    if (outcome === undefined) {
      outcome = yield* Users.create(toCreateParams(row.user)).pipe(
        Effect.map((user): Outcome => ({ _tag: "created", userId: user.id })),
        Effect.catchAll((error) => {
          const refused = failure(error)
          return Effect.succeed<Outcome>(
            "errors" in error && error.errors.some((detail) => detail.code === identifierExists)
              ? { _tag: "skipped", reason: `already in Clerk: ${refused.message}` }
              : refused
          )
        })
      )
    }
    yield* ledger.record(id, outcome)
    return outcome
  })

/**
 * A line of the failure report (JSONL).
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureLine {
  readonly line: number
  readonly userId: string
  readonly code: string
  readonly message: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Summary extends Progress.Counts {
  /** Rows whose outcome an earlier run had recorded. */
  readonly alreadyDone: number
  readonly failures: ReadonlyArray<FailureLine>
}

/**
 * The failures of a run (rows Clerk refused and invalid rows), as JSONL.
 *
 * @since 0.1.0
 * @category reporting
 */
export const writeReport = (path: string, failures: ReadonlyArray<FailureLine>) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.writeFileString(path, failures.map((failure) => `${JSON.stringify(failure)}\n`).join(""))
  )

/**
 * An invalid row as a line of the failure report.
 *
 * @since 0.1.0
 * @category reporting
 */
export const issueLine = (issue: Issue): FailureLine => ({
  line: issue.line,
  userId: issue.userId ?? "",
  code: "invalid_row",
  message: issue.reason
})

/**
 * Failures an earlier run recorded: they stay in the report of every later run.
 *
 * @since 0.1.0
 * @category reporting
 */
export const earlierFailures = (
  rows: ReadonlyArray<Row>,
  before: ReadonlyMap<string, Outcome>
): Array<FailureLine> =>
  rows.flatMap((row) => {
    const earlier = before.get(row.user.externalId)
    return earlier?._tag === "failed"
      ? [{ line: row.line, userId: row.user.externalId, code: earlier.code, message: earlier.message }]
      : []
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly concurrency: number
  readonly progressInterval: Duration.DurationInput
}

/**
 * Imports rows in this process, `concurrency` at a time, with progress on stderr.
 *
 * @since 0.1.0
 * @category importing
 */
export const run = (
  rows: ReadonlyArray<Row>,
  options: Options
): Effect.Effect<Summary, LedgerError, Ledger | ClerkClient.ClerkClient> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    const before = yield* ledger.outcomes
    const todo = rows.filter((row) => !before.has(row.user.externalId))
    const counts = yield* Ref.make(Progress.zero)
    const failures: Array<FailureLine> = []
    yield* Effect.scoped(
      Effect.gen(function* () {
        yield* Progress.report(counts, {
          total: todo.length,
          label: "import",
          interval: options.progressInterval
        })
        yield* Effect.forEach(
          todo,
          (row) =>
            Effect.tap(importRow(row), (outcome) =>
              Effect.zipRight(
                Ref.update(counts, (current) => Progress.add(current, outcome._tag)),
                Effect.sync(() => {
                  if (outcome._tag === "failed") {
                    failures.push({
                      line: row.line,
                      userId: row.user.externalId,
                      code: outcome.code,
                      message: outcome.message
                    })
                  }
                })
              )
            ),
          { concurrency: options.concurrency, discard: true }
        )
      })
    )
    failures.push(...earlierFailures(rows, before))
    failures.sort((a, b) => a.line - b.line)
    return { ...(yield* Ref.get(counts)), alreadyDone: rows.length - todo.length, failures }
  })
