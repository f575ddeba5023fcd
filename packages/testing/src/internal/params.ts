/**
 * Rules on decoded (camelCase) params that the params schemas do not state, shared
 * by the resource modules: list pages and ordering, Clerk's id filters, metadata
 * merging and its size limit, and the normalisation of emails and dates.
 */
import { Effect } from "effect"
import { apiError, type ClerkApiError, paramFormatInvalid, paramInvalid, paramMissing } from "./errors.js"
import type { Metadata } from "./store.js"

export type JsonObject = Record<string, unknown>

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Clerk documents metadata as limited to 8KB: each object, as the JSON it is stored as. */
const metadataLimitBytes = 8 * 1024

const encoder = new TextEncoder()

const merge = (target: Metadata, patch: Metadata): Metadata => {
  const out: Metadata = { ...target }
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key]
    if (value === null) delete out[key]
    else if (isObject(value) && isObject(current)) out[key] = merge(current, value)
    else out[key] = value
  }
  return out
}

/** The values of an id filter, split by Clerk's `+` (include, the default) and `-` (exclude) prefixes. */
export interface IdFilter {
  readonly include: ReadonlyArray<string>
  readonly exclude: ReadonlyArray<string>
}

export const idFilter = (values: ReadonlyArray<string>): IdFilter => {
  const include: Array<string> = []
  const exclude: Array<string> = []
  for (const value of values) {
    if (value.startsWith("-")) exclude.push(value.slice(1))
    // A `+` sent unencoded arrives as a space; no id starts with either.
    else include.push(value.replace(/^[+ ]/, ""))
  }
  return { include, exclude }
}

/** Whether an item with these ids passes: one of them included (when any are), none excluded. */
export const passesIdFilter = (filter: IdFilter, ids: ReadonlyArray<string | null>): boolean =>
  (filter.include.length === 0 || ids.some((id) => id !== null && filter.include.includes(id))) &&
  !ids.some((id) => id !== null && filter.exclude.includes(id))

export interface Page {
  readonly limit: number
  readonly offset: number
}

export const paginate = <A>(items: ReadonlyArray<A>, p: Page): Array<A> =>
  items.slice(p.offset, p.offset + p.limit)

type SortKey<A> = (a: A) => string | number | null

export const containsFold = (haystack: string | null, needle: string): boolean =>
  haystack?.toLowerCase().includes(needle.toLowerCase()) ?? false

export const dayMillis = 24 * 60 * 60 * 1000

/** The page a list answers: Clerk's defaults where the params leave it out (the schema holds the bounds). */
export const pageOf = (params: {
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}): Page => ({
  limit: params.limit ?? 10,
  offset: params.offset ?? 0
})

/**
 * The answer of a list that takes `paginated`: with `paginated: true` the page
 * and the count of every match, `{ data, total_count }`; otherwise the bare page.
 */
export const listed = <A>(
  params: { readonly paginated?: boolean | null | undefined },
  p: Page,
  items: ReadonlyArray<A>,
  toJson: (item: A) => unknown
): unknown => {
  const data = paginate(items, p).map(toJson)
  return params.paginated === true ? { data, total_count: items.length } : data
}

/**
 * Sorts by an `order_by` value (`field`, `+field` or `-field`) among the fields a
 * list supports, nulls last, ties broken by id for a stable order.
 */
export const sortBy = <A extends { readonly id: string }>(
  value: string | undefined,
  items: ReadonlyArray<A>,
  fields: Record<string, SortKey<A>>,
  fallback: string
): Effect.Effect<Array<A>, ClerkApiError> => {
  const raw = value ?? fallback
  const field = raw.replace(/^[+-]/, "")
  const key = fields[field]
  if (key === undefined)
    return Effect.fail(
      paramInvalid(
        "order_by",
        `order_by must be one of ${Object.keys(fields).join(", ")}, optionally prefixed with + or -.`
      )
    )
  const sign = raw.startsWith("-") ? -1 : 1
  return Effect.succeed(
    [...items].sort((a, b) => {
      const x = key(a)
      const y = key(b)
      if (x === y) return a.id < b.id ? -sign : a.id > b.id ? sign : 0
      if (x === null) return 1
      if (y === null) return -1
      // Text sorts case-insensitively, as the database collation behind Clerk's lists does.
      const [l, r] =
        typeof x === "string" && typeof y === "string" ? [x.toLowerCase(), y.toLowerCase()] : [x, y]
      return (l < r ? -1 : l > r ? 1 : 0) * sign
    })
  )
}

/** A metadata object of the params, to be stored as it is (a create or a replace), held to the size limit. */
export const metadata = (
  key: string,
  value: Metadata | undefined
): Effect.Effect<Metadata | undefined, ClerkApiError> =>
  value === undefined ? Effect.succeed(undefined) : limited(key, value)

/**
 * The params' metadata `patch` merged into `current` as Clerk merges metadata
 * (objects recursively, a `null` value deletes its key), or `undefined` when the
 * params have none. The merged object is held to the size limit.
 */
export const mergeMetadata = (
  key: string,
  patch: Metadata | undefined,
  current: Metadata
): Effect.Effect<Metadata | undefined, ClerkApiError> =>
  patch === undefined ? Effect.succeed(undefined) : limited(key, merge(current, patch))

/** The metadata fields a record may have, by the wire names they are refused under. */
const metadataWireNames = {
  publicMetadata: "public_metadata",
  privateMetadata: "private_metadata",
  unsafeMetadata: "unsafe_metadata"
} as const

export type MetadataField = keyof typeof metadataWireNames

/**
 * Sets a record's metadata `fields` from the params: merged into what it holds
 * (Clerk's metadata update) or replacing it. Every field is read and held to the
 * size limit before any is set, so a refused request changes nothing; a field
 * the params leave out stays as it is.
 */
export const setMetadata = <F extends MetadataField>(
  record: Record<F, Metadata>,
  params: { readonly [K in F]?: Metadata | undefined },
  fields: ReadonlyArray<F>,
  how: "merge" | "replace"
): Effect.Effect<void, ClerkApiError> =>
  Effect.gen(function* () {
    const changes: Array<readonly [F, Metadata]> = []
    for (const field of fields) {
      const key = metadataWireNames[field]
      const value = yield* how === "merge"
        ? mergeMetadata(key, params[field], record[field])
        : metadata(key, params[field])
      if (value !== undefined) changes.push([field, value])
    }
    for (const [field, value] of changes) record[field] = value
  })

const limited = (key: string, value: Metadata): Effect.Effect<Metadata, ClerkApiError> =>
  encoder.encode(JSON.stringify(value)).length > metadataLimitBytes
    ? Effect.fail(
        apiError(
          422,
          "form_param_exceeds_allowed_size",
          "exceeds the allowed size",
          `${key} exceeds the maximum allowed size of 8KB.`,
          { param_name: key }
        )
      )
    : Effect.succeed(value)

/** Clerk stores email addresses trimmed and lowercased. */
export const emailOf = (raw: string, key = "email_address"): Effect.Effect<string, ClerkApiError> => {
  const email = raw.trim().toLowerCase()
  return emailPattern.test(email)
    ? Effect.succeed(email)
    : Effect.fail(paramFormatInvalid(key, `${key} must be a valid email address.`))
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** A date param (`created_at`, `legal_accepted_at`), an RFC 3339 string, as the epoch ms it is stored as. */
export const timestampOf = <N extends null | undefined>(
  key: string,
  raw: string | N
): Effect.Effect<number | N, ClerkApiError> => {
  if (raw === undefined || raw === null) return Effect.succeed(raw)
  const ms = Date.parse(raw)
  return Number.isNaN(ms)
    ? Effect.fail(paramFormatInvalid(key, `${key} must be an RFC 3339 date.`))
    : Effect.succeed(ms)
}

/**
 * The uploaded file of a multipart body. The upload operations declare 400 (not 422)
 * for a bad request, so a missing or empty file answers 400.
 */
export const fileOf = (
  key: string,
  file: Blob | Uint8Array | undefined
): Effect.Effect<Blob | Uint8Array, ClerkApiError> =>
  file === undefined
    ? Effect.fail(paramMissing(key, 400))
    : (file instanceof Blob ? file.size : file.length) === 0
      ? Effect.fail(paramInvalid(key, `${key} must not be empty.`, 400))
      : Effect.succeed(file)
