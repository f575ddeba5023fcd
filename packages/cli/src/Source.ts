/**
 * Reads an import file (JSON, JSONL or CSV; Clerk's migration format or an
 * Auth0, Firebase or Supabase export) into checked rows, and every row that
 * cannot be imported with its line and the reason.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type AdapterOptions, adapters, type Format, FirebaseHashConfig } from "./internal/adapters.js"
import * as Files from "./internal/files.js"
import { fromRecord, type Row } from "./ImportRow.js"

export {
  /**
   * @since 0.1.0
   * @category models
   */
  FirebaseHashConfig,
  /**
   * @since 0.1.0
   * @category models
   */
  type Format
}

/**
 * The formats `read` understands.
 *
 * @since 0.1.0
 * @category constants
 */
export const formats = Object.keys(adapters) as ReadonlyArray<Format>

/**
 * A row that cannot be imported.
 *
 * @since 0.1.0
 * @category models
 */
export interface Issue {
  readonly line: number
  /** The row's id, when it could be read. */
  readonly userId?: string | undefined
  readonly reason: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly rows: ReadonlyArray<Row>
  /** Ordered by line. */
  readonly issues: ReadonlyArray<Issue>
}

/**
 * The file cannot be read at all (missing, unreadable, unknown extension).
 *
 * @since 0.1.0
 * @category errors
 */
export class SourceError extends Data.TaggedError("SourceError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends AdapterOptions {
  readonly format: Format
}

/**
 * Checks the records of a file's text. Two rows with the same id are both kept
 * out of the import: which of them is right is the owner's call.
 *
 * @since 0.1.0
 * @category reading
 */
export const fromText = (kind: Files.FileKind, text: string, options: Options): Source => {
  const parsed = Files.parse(kind, text)
  const adapt = adapters[options.format]
  const issues: Array<Issue> = [...parsed.issues]
  const checked: Array<Row> = []
  for (const { line, record } of parsed.records) {
    const result = Either.flatMap(adapt(record, options), fromRecord)
    if (Either.isRight(result)) checked.push({ line, user: result.right })
    else issues.push({ line, userId: idOf(record), reason: result.left })
  }
  const firstLine = new Map<string, number>()
  const duplicated = new Set<string>()
  for (const row of checked) {
    if (firstLine.has(row.user.externalId)) duplicated.add(row.user.externalId)
    else firstLine.set(row.user.externalId, row.line)
  }
  const rows: Array<Row> = []
  for (const row of checked) {
    const id = row.user.externalId
    if (!duplicated.has(id)) {
      rows.push(row)
      continue
    }
    const others = checked.filter((other) => other.user.externalId === id && other !== row).map((o) => o.line)
    issues.push({
      line: row.line,
      userId: id,
      reason: `duplicate row: userId ${id} is also on line ${others.join(", ")}`
    })
  }
  issues.sort((a, b) => a.line - b.line)
  return { rows, issues }
}

const idOf = (record: unknown): string | undefined => {
  if (typeof record !== "object" || record === null) return undefined
  for (const key of ["userId", "user_id", "localId", "id"]) {
    const value = (record as Record<string, unknown>)[key]
    if (typeof value === "string") return value
  }
  return undefined
}

/**
 * Reads and checks a file; its extension (`.json`, `.jsonl`/`.ndjson`, `.csv`) says how to split it.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (
  path: string,
  options: Options
): Effect.Effect<Source, SourceError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const kind = Files.kindOf(path)
    if (kind === undefined) {
      return yield* new SourceError({
        path,
        reason: "unknown extension: expected .json, .jsonl, .ndjson or .csv"
      })
    }
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((error) => new SourceError({ path, reason: error.message })))
    return fromText(kind, text, options)
  })

/**
 * Reads Firebase's password hash parameters (the `hash_config` object, as JSON).
 *
 * @since 0.1.0
 * @category reading
 */
export const readFirebaseHashConfig = (
  path: string
): Effect.Effect<FirebaseHashConfig, SourceError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((error) => new SourceError({ path, reason: error.message })))
    const Config = Schema.parseJson(
      Schema.Union(FirebaseHashConfig, Schema.Struct({ hash_config: FirebaseHashConfig }))
    )
    const config = yield* Schema.decodeUnknown(Config)(text).pipe(
      Effect.mapError(
        (error) => new SourceError({ path, reason: `not Firebase hash parameters: ${error.message}` })
      )
    )
    return "hash_config" in config ? config.hash_config : config
  })
