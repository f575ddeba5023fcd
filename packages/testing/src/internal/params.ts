import { Effect } from "effect"
import { apiError, type ClerkApiError, paramFormatInvalid, paramInvalid, paramMissing } from "./errors.js"
import type { InvitationStatus, Metadata } from "./store.js"

export type JsonObject = Record<string, unknown>

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

export const bodyObject = (body: unknown): JsonObject => {
  if (body === undefined) return {}
  if (!isObject(body))
    throw apiError(400, "malformed_request", "malformed request", "The request body must be a JSON object.")
  return body
}

export const bodyArray = (body: unknown): Array<JsonObject> => {
  if (!Array.isArray(body) || !body.every(isObject)) {
    throw apiError(
      400,
      "malformed_request",
      "malformed request",
      "The request body must be a JSON array of objects."
    )
  }
  return body
}

const typeError = (key: string, type: string) => paramFormatInvalid(key, `${key} must be ${type}.`)

/** `undefined` when absent, `null` when explicitly null. */
export const optString = (o: JsonObject, key: string): string | null | undefined => {
  const v = o[key]
  if (v === undefined || v === null) return v
  if (typeof v !== "string") throw typeError(key, "a string")
  return v
}

export const reqString = (o: JsonObject, key: string): string => {
  const v = optString(o, key)
  if (v === undefined || v === null || v === "") throw paramMissing(key)
  return v
}

/**
 * The uploaded file of a multipart body. The upload operations declare 400 (not 422)
 * for a bad request, so a missing or empty file answers 400.
 */
export const reqFile = (o: JsonObject, key: string): Blob => {
  const v = o[key]
  if (!(v instanceof Blob)) {
    throw apiError(400, "form_param_missing", `${key} must be included.`, `${key} must be included.`, {
      param_name: key
    })
  }
  if (v.size === 0) {
    throw apiError(400, "form_param_value_invalid", "is invalid", `${key} must not be empty.`, {
      param_name: key
    })
  }
  return v
}

export const optBoolean = (o: JsonObject, key: string): boolean | null | undefined => {
  const v = o[key]
  if (v === undefined || v === null) return v
  if (typeof v !== "boolean") throw typeError(key, "a boolean")
  return v
}

export const optInteger = (o: JsonObject, key: string): number | null | undefined => {
  const v = o[key]
  if (v === undefined || v === null) return v
  if (typeof v !== "number" || !Number.isInteger(v)) throw typeError(key, "an integer")
  return v
}

export const optStringArray = (o: JsonObject, key: string): ReadonlyArray<string> | undefined => {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw typeError(key, "an array of strings")
  return v
}

/** Clerk documents metadata as limited to 8KB: each object, as the JSON it is stored as. */
const metadataLimitBytes = 8 * 1024

const encoder = new TextEncoder()

/** Refuses a metadata object over Clerk's limit; every metadata value stored passes here. */
const withinLimit = (key: string, value: Metadata): Metadata => {
  if (encoder.encode(JSON.stringify(value)).length > metadataLimitBytes) {
    throw apiError(
      422,
      "form_param_exceeds_allowed_size",
      "exceeds the allowed size",
      `${key} exceeds the maximum allowed size of 8KB.`,
      { param_name: key }
    )
  }
  return value
}

const metadataOf = (o: JsonObject, key: string): Metadata | undefined => {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) throw typeError(key, "an object")
  return v
}

/** A metadata object of the body, to be stored as it is (a create or a replace). */
export const optMetadata = (o: JsonObject, key: string): Metadata | undefined => {
  const v = metadataOf(o, key)
  return v === undefined ? undefined : withinLimit(key, v)
}

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

/**
 * The body's metadata object `key` merged into `current` as Clerk merges metadata
 * (objects recursively, a `null` value deletes its key), or `undefined` when the body
 * has none. The merged object is held to the size limit.
 */
export const mergedMetadata = (o: JsonObject, key: string, current: Metadata): Metadata | undefined => {
  const patch = metadataOf(o, key)
  return patch === undefined ? undefined : withinLimit(key, merge(current, patch))
}

/** Repeated keys (`?user_id=a&user_id=b`) as sent for array parameters; `[]`-suffixed keys too. */
export const queryList = (q: URLSearchParams, key: string): ReadonlyArray<string> => [
  ...q.getAll(key),
  ...q.getAll(`${key}[]`)
]

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

export const queryIdFilter = (q: URLSearchParams, key: string): IdFilter => idFilter(queryList(q, key))

/** Whether an item with these ids passes: one of them included (when any are), none excluded. */
export const passesIdFilter = (filter: IdFilter, ids: ReadonlyArray<string | null>): boolean =>
  (filter.include.length === 0 || ids.some((id) => id !== null && filter.include.includes(id))) &&
  !ids.some((id) => id !== null && filter.exclude.includes(id))

export const queryString = (q: URLSearchParams, key: string): string | undefined => q.get(key) ?? undefined

export const queryBoolean = (q: URLSearchParams, key: string): boolean | undefined => {
  const v = q.get(key)
  if (v === null) return undefined
  if (v === "true") return true
  if (v === "false") return false
  throw paramInvalid(key, `${key} must be true or false.`)
}

export const queryInteger = (q: URLSearchParams, key: string): number | undefined => {
  const v = q.get(key)
  if (v === null) return undefined
  if (!/^-?\d+$/.test(v)) throw paramInvalid(key, `${key} must be an integer.`)
  return Number(v)
}

export interface Page {
  readonly limit: number
  readonly offset: number
}

export const page = (q: URLSearchParams): Page => {
  const limit = queryInteger(q, "limit") ?? 10
  const offset = queryInteger(q, "offset") ?? 0
  if (limit < 1 || limit > 500) throw paramInvalid("limit", "limit must be between 1 and 500.")
  if (offset < 0) throw paramInvalid("offset", "offset must be greater than or equal to 0.")
  return { limit, offset }
}

export const paginate = <A>(items: ReadonlyArray<A>, p: Page): Array<A> =>
  items.slice(p.offset, p.offset + p.limit)

/**
 * The answer of a list that takes `paginated`: with `paginated=true` the page
 * and the count of every match, `{ data, total_count }`; otherwise the bare page.
 */
export const listAnswer = <A>(
  q: URLSearchParams,
  p: Page,
  items: ReadonlyArray<A>,
  toJson: (item: A) => unknown
): unknown => {
  const data = paginate(items, p).map(toJson)
  return queryBoolean(q, "paginated") === true ? { data, total_count: items.length } : data
}

type SortKey<A> = (a: A) => string | number | null

/**
 * Parses `order_by` (`field`, `+field` or `-field`) against the fields a list
 * supports and sorts by it, nulls last, ties broken by id for a stable order.
 */
export const orderBy = <A extends { readonly id: string }>(
  q: URLSearchParams,
  items: ReadonlyArray<A>,
  fields: Record<string, SortKey<A>>,
  fallback: string
): Array<A> => {
  const raw = q.get("order_by") ?? fallback
  const descending = raw.startsWith("-")
  const field = raw.replace(/^[+-]/, "")
  const key = fields[field]
  if (key === undefined) {
    throw paramInvalid(
      "order_by",
      `order_by must be one of ${Object.keys(fields).join(", ")}, optionally prefixed with + or -.`
    )
  }
  const sign = descending ? -1 : 1
  return [...items].sort((a, b) => {
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
}

export const containsFold = (haystack: string | null, needle: string): boolean =>
  haystack?.toLowerCase().includes(needle.toLowerCase()) ?? false

export const dayMillis = 24 * 60 * 60 * 1000

/** Clerk stores email addresses trimmed and lowercased. */
export const normalizeEmail = (raw: string, key = "email_address"): string => {
  const email = raw.trim().toLowerCase()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw paramFormatInvalid(key, `${key} must be a valid email address.`)
  return email
}

/** Body dates (`created_at`, `legal_accepted_at`) arrive as RFC 3339 strings and are stored as epoch ms. */
export const optTimestamp = (o: JsonObject, key: string): number | null | undefined => {
  const raw = optString(o, key)
  if (raw === undefined || raw === null) return raw
  const ms = Date.parse(raw)
  if (Number.isNaN(ms)) throw paramFormatInvalid(key, `${key} must be an RFC 3339 date.`)
  return ms
}

export const expiresInDays = (o: JsonObject, fallback: number): number => {
  const days = optInteger(o, "expires_in_days") ?? fallback
  if (days < 1 || days > 365)
    throw paramInvalid("expires_in_days", "expires_in_days must be between 1 and 365.")
  return days
}

const invitationStatuses: ReadonlyArray<InvitationStatus> = ["pending", "accepted", "revoked", "expired"]

export const queryInvitationStatus = (q: URLSearchParams): InvitationStatus | undefined => {
  const status = queryString(q, "status")
  if (status === undefined) return undefined
  const known = invitationStatuses.find((s) => s === status)
  if (known === undefined)
    throw paramInvalid("status", `status must be one of ${invitationStatuses.join(", ")}.`)
  return known
}

/*
 * Rules on decoded (camelCase) params that the params schemas do not state:
 * the handlers that read decoded params use these.
 */

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

/** `expires_in_days`, or `fallback` where absent, within Clerk's 1 to 365. */
export const daysOf = (
  days: number | null | undefined,
  fallback: number
): Effect.Effect<number, ClerkApiError> => {
  const value = days ?? fallback
  return value < 1 || value > 365
    ? Effect.fail(paramInvalid("expires_in_days", "expires_in_days must be between 1 and 365."))
    : Effect.succeed(value)
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
    ? Effect.fail(
        apiError(400, "form_param_missing", `${key} must be included.`, `${key} must be included.`, {
          param_name: key
        })
      )
    : (file instanceof Blob ? file.size : file.length) === 0
      ? Effect.fail(
          apiError(400, "form_param_value_invalid", "is invalid", `${key} must not be empty.`, {
            param_name: key
          })
        )
      : Effect.succeed(file)
