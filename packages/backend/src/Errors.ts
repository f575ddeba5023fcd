/**
 * The errors an operation can fail with. Clerk's documented statuses each have
 * their own tag (prefixed `Clerk` so they never collide with `@effect/platform`'s
 * `HttpApiError` tags in a user's server); everything else is an `SDKError`.
 *
 * @since 0.1.0
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * One entry of Clerk's `errors` array. `meta` is kept whole: its keys vary by code.
 * An entry without `message` (as Clerk's own SDK tests write them) still decodes,
 * with an empty message: the code is what identifies the error.
 *
 * @since 0.1.0
 * @category models
 */
export class ClerkErrorDetail extends Schema.Class<ClerkErrorDetail>("ClerkErrorDetail")({
  code: Schema.String,
  message: Schema.optionalToRequired(Schema.String, Schema.String, {
    decode: Option.getOrElse(() => ""),
    encode: Option.some
  }),
  longMessage: Schema.optional(Schema.String).pipe(Schema.fromKey("long_message")),
  meta: Schema.optional(Schema.Unknown)
}) {}

const clerkErrorFields = {
  errors: Schema.Array(ClerkErrorDetail),
  meta: Schema.optional(Schema.Unknown),
  clerkTraceId: Schema.optional(Schema.String)
}

/**
 * The fields of the error of `status`. The error classes are built from pure
 * calls, so a program keeps only those its operations can fail with.
 */
const fieldsOf = <const S extends number>(status: S) => ({
  status: Schema.Literal(status),
  ...clerkErrorFields
})

/** The fields of a 429, which also carries its `Retry-After`. */
const withRetryAfter = <F extends Schema.Struct.Fields>(fields: F) => ({
  ...fields,
  retryAfter: Schema.optional(Schema.Number)
})

/** Clerk's messages name the problem; the tag, status and trace id make it findable in logs. */
const describe = (
  tag: string,
  error: {
    readonly status: number
    readonly errors: ReadonlyArray<ClerkErrorDetail>
    readonly clerkTraceId?: string | undefined
  }
) => {
  const first = error.errors[0]
  const detail = first ? `${first.code}: ${first.longMessage ?? first.message}` : "no error details"
  const trace = error.clerkTraceId === undefined ? "" : ` (clerk trace id ${error.clerkTraceId})`
  return `${tag} ${error.status}: ${detail}${trace}`
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkBadRequest extends Schema.TaggedError<ClerkBadRequest>()("ClerkBadRequest", fieldsOf(400)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkUnauthorized extends Schema.TaggedError<ClerkUnauthorized>()(
  "ClerkUnauthorized",
  fieldsOf(401)
) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkPaymentRequired extends Schema.TaggedError<ClerkPaymentRequired>()(
  "ClerkPaymentRequired",
  fieldsOf(402)
) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkForbidden extends Schema.TaggedError<ClerkForbidden>()("ClerkForbidden", fieldsOf(403)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkNotFound extends Schema.TaggedError<ClerkNotFound>()("ClerkNotFound", fieldsOf(404)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkConflict extends Schema.TaggedError<ClerkConflict>()("ClerkConflict", fieldsOf(409)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkGone extends Schema.TaggedError<ClerkGone>()("ClerkGone", fieldsOf(410)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkPayloadTooLarge extends Schema.TaggedError<ClerkPayloadTooLarge>()(
  "ClerkPayloadTooLarge",
  fieldsOf(413)
) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkUnprocessableEntity extends Schema.TaggedError<ClerkUnprocessableEntity>()(
  "ClerkUnprocessableEntity",
  fieldsOf(422)
) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkLocked extends Schema.TaggedError<ClerkLocked>()("ClerkLocked", fieldsOf(423)) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * Clerk's rate limit answer. `retryAfter` is the `Retry-After` header in seconds,
 * when Clerk sent one.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClerkTooManyRequests extends Schema.TaggedError<ClerkTooManyRequests>()(
  "ClerkTooManyRequests",
  withRetryAfter(fieldsOf(429))
) {
  override get message() {
    const wait = this.retryAfter === undefined ? "" : `, retry after ${this.retryAfter}s`
    return `${describe(this._tag, this)}${wait}`
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ClerkInternalServerError extends Schema.TaggedError<ClerkInternalServerError>()(
  "ClerkInternalServerError",
  fieldsOf(500)
) {
  override get message() {
    return describe(this._tag, this)
  }
}

/**
 * Every tagged Clerk error.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClerkErrors =
  | ClerkBadRequest
  | ClerkUnauthorized
  | ClerkPaymentRequired
  | ClerkForbidden
  | ClerkNotFound
  | ClerkConflict
  | ClerkGone
  | ClerkPayloadTooLarge
  | ClerkUnprocessableEntity
  | ClerkLocked
  | ClerkTooManyRequests
  | ClerkInternalServerError

/**
 * The tagged error of each status Clerk documents.
 *
 * @since 0.1.0
 * @category errors
 */
export interface ErrorByStatus {
  400: ClerkBadRequest
  401: ClerkUnauthorized
  402: ClerkPaymentRequired
  403: ClerkForbidden
  404: ClerkNotFound
  409: ClerkConflict
  410: ClerkGone
  413: ClerkPayloadTooLarge
  422: ClerkUnprocessableEntity
  423: ClerkLocked
  429: ClerkTooManyRequests
  500: ClerkInternalServerError
}

/**
 * @since 0.1.0
 * @category errors
 */
export type ErrorStatus = keyof ErrorByStatus

/**
 * The error type of a list of statuses: `ErrorFor<404 | 422>` is
 * `ClerkNotFound | ClerkUnprocessableEntity`.
 *
 * @since 0.1.0
 * @category errors
 */
export type ErrorFor<S extends ErrorStatus> = ErrorByStatus[S]

/**
 * What Clerk's error body carries, decoded; `retryAfter` only matters for 429.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorFields {
  readonly errors: ReadonlyArray<ClerkErrorDetail>
  readonly meta?: unknown
  readonly clerkTraceId?: string | undefined
  readonly retryAfter?: number | undefined
}

/**
 * Any answer that is neither a success nor a tagged Clerk error: a status without
 * a tag (a 3xx, a 502 from a gateway), or an error body that is not Clerk's error JSON (an HTML page from a proxy,
 * truncated JSON, a wrong content type).
 *
 * @since 0.1.0
 * @category errors
 */
export class SDKError extends Schema.TaggedError<SDKError>()("SDKError", {
  status: Schema.Number,
  contentType: Schema.optional(Schema.String),
  body: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `SDKError ${this.status}: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class ValidationIssue extends Schema.Class<ValidationIssue>("ValidationIssue")({
  /** Object keys and array indexes from the root of the params or the body. */
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
}) {}

const formatIssues = (issues: ReadonlyArray<ValidationIssue>) =>
  issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`).join("; ")

/**
 * A 2xx answer whose body the operation's Schema rejects. `body` is the parsed JSON
 * (or the text when it is not JSON), so nothing Clerk sent is lost.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseValidationError extends Schema.TaggedError<ResponseValidationError>()(
  "ResponseValidationError",
  {
    operationId: Schema.String,
    status: Schema.Number,
    body: Schema.Unknown,
    issues: Schema.Array(ValidationIssue)
  }
) {
  override get message() {
    return `${this.operationId} answered ${this.status} with a body its schema rejects: ${formatIssues(this.issues)}`
  }
}

/**
 * Params that break the spec's own constraints (a missing required field, `limit`
 * out of range, an unknown enum value). Nothing was sent. `field` names the first
 * offending param in its camelCase form.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestValidationError extends Schema.TaggedError<RequestValidationError>()(
  "RequestValidationError",
  {
    operationId: Schema.String,
    field: Schema.String,
    issues: Schema.Array(ValidationIssue)
  }
) {
  override get message() {
    return `Invalid params for ${this.operationId}: ${formatIssues(this.issues)}`
  }
}

/**
 * Errors any operation can fail with besides Clerk's tagged errors: invalid
 * params, an answer without a tag, a body its schema rejects, a request that
 * never got an answer (or whose answer a middleware of the supplied HttpClient
 * rejected), or an attempt that ran out of time.
 *
 * @since 0.1.0
 * @category errors
 */
export type GenericError =
  | RequestValidationError
  | SDKError
  | ResponseValidationError
  | HttpClientError.HttpClientError
  | Cause.TimeoutException

/**
 * What every operation can fail with. A Clerk error body surfaces as the tag of
 * its status even where the spec does not list that status for the operation
 * (real Clerk answers such statuses), so every operation's error type names all
 * of Clerk's tags: a narrower type would omit errors the call does fail with.
 * The statuses the spec documents for an operation are listed in its JSDoc.
 *
 * @since 0.1.0
 * @category errors
 */
export type OperationError = ClerkErrors | GenericError
