/**
 * Turns an `HttpClientResponse` into the operation's success value or one of the
 * errors DESIGN.md names. The body is read once, as text, so whatever Clerk sent
 * can be kept in the error when it is not what the spec promises.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import {
  ClerkErrorDetail,
  type ErrorFields,
  type ErrorFor,
  type ErrorStatus,
  ResponseValidationError,
  SDKError
} from "../Errors.js"
import type { JsonParser } from "./compiledDecoder.js"
import { toIssues } from "./issues.js"
import { parseJson } from "./json.js"

const ClerkErrorBody = Schema.Struct({
  errors: Schema.Array(ClerkErrorDetail),
  meta: Schema.optional(Schema.Unknown),
  clerkTraceId: Schema.optional(Schema.String).pipe(Schema.fromKey("clerk_trace_id"))
})
const decodeClerkErrorBody = Schema.decodeUnknownOption(ClerkErrorBody)

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

/**
 * The error class of a documented status. An operation lists its statuses with
 * their classes rather than the statuses alone, so a program bundles only the
 * classes of the statuses its operations declare.
 */
export type ErrorClass<S extends ErrorStatus> = new (
  fields: { readonly status: S } & ErrorFields
) => ErrorFor<S>

/** An operation's documented statuses, each with its error class. */
export type ErrorClasses<S extends ErrorStatus> = { readonly [K in S]: ErrorClass<K> }

const isDeclared = <S extends ErrorStatus>(declared: ErrorClasses<S>, status: number): status is S =>
  Object.hasOwn(declared, status)

export const failure = <S extends ErrorStatus>(
  declared: ErrorClasses<S>,
  response: HttpClientResponse.HttpClientResponse,
  text: string,
  now: number
): ErrorFor<S> | SDKError => {
  const status = response.status
  const contentType = response.headers["content-type"]
  const sdkError = (reason: string) => new SDKError({ status, contentType, body: text, reason })
  const body = Option.flatMap(parseJson(text), decodeClerkErrorBody)
  if (Option.isNone(body)) return sdkError("the body is not Clerk's error JSON")
  if (!isDeclared(declared, status)) return sdkError(`status ${status} is not documented for this operation`)
  const ErrorClass: ErrorClass<S> = declared[status]
  const fields = {
    status,
    errors: body.value.errors,
    meta: body.value.meta,
    clerkTraceId: body.value.clerkTraceId ?? response.headers["x-clerk-trace-id"]
  }
  // Only a 429 carries `Retry-After`.
  return new ErrorClass(
    status === 429 ? { ...fields, retryAfter: parseRetryAfter(response.headers["retry-after"], now) } : fields
  )
}

/** A 2xx body parsed as JSON, with what decodes it into the call's value. */
export interface Parsed<A, E> {
  readonly json: unknown
  /** Once only (see `ParsedJson`). */
  readonly decode: () => Either.Either<A, E>
}

/** Synchronous: a valid body is the common case and needs no Effect of its own. */
export const parsed = <A>(
  operationId: string,
  parse: JsonParser<A>,
  response: HttpClientResponse.HttpClientResponse,
  text: string
): Either.Either<Parsed<A, ResponseValidationError>, SDKError> => {
  const result = parse(text)
  if (result._tag === "NotJson")
    return Either.left(
      new SDKError({
        status: response.status,
        contentType: response.headers["content-type"],
        body: text,
        reason: "a success body that is not JSON"
      })
    )
  return Either.right({
    json: result.json,
    decode: () => {
      const decoded = result.decode()
      return decoded._tag === "Decoded"
        ? Either.right(decoded.value)
        : Either.left(
            new ResponseValidationError({
              operationId,
              status: response.status,
              body: decoded.json,
              issues: toIssues(decoded.issue)
            })
          )
    }
  })
}
