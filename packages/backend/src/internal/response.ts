/**
 * Matching the status, the third step of a call: an answer becomes the
 * operation's parsed success or one of the errors DESIGN.md names, together with
 * what the retry policy needs to know of it. The body is read once, so whatever
 * Clerk sent can be kept in the error when it is not what the spec promises.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import {
  ClerkBadRequest,
  ClerkConflict,
  ClerkErrorDetail,
  type ClerkErrors,
  ClerkForbidden,
  ClerkGone,
  ClerkInternalServerError,
  ClerkLocked,
  ClerkNotFound,
  ClerkPayloadTooLarge,
  ClerkPaymentRequired,
  ClerkTooManyRequests,
  ClerkUnauthorized,
  ClerkUnprocessableEntity,
  type ErrorFields,
  type ErrorFor,
  type ErrorStatus,
  ResponseValidationError,
  SDKError,
  ValidationIssue
} from "../Errors.js"
import type { FailureKind } from "../RetryPolicy.js"
import type { JsonParser } from "./responseDecoder.js"
import { toIssues } from "./issues.js"
import { parseJson } from "./json.js"
import type { Scrub } from "./scrub.js"

/** A key of an issue's path came from the body too. */
const pathKey =
  (scrub: Scrub) =>
  (key: string | number): string | number =>
    typeof key === "string" ? scrub.text(key) : key

const ClerkErrorBody = Schema.Struct({
  errors: Schema.Array(ClerkErrorDetail),
  meta: Schema.optional(Schema.Unknown),
  clerkTraceId: Schema.optional(Schema.String).pipe(Schema.fromKey("clerk_trace_id"))
})
const decodeClerkErrorBody = Schema.decodeUnknownOption(ClerkErrorBody)

export interface Answer {
  readonly response: HttpClientResponse.HttpClientResponse
  /** The body as sent: text, or the bytes of a success read ahead (see `attempt.ts`); `textOf` reads either. */
  readonly body: string | Uint8Array
  /** The body broke off mid-stream (a reset after the answer started). */
  readonly broken: boolean
}

const utf8 = new TextDecoder()

export const textOf = (answer: Answer): string =>
  typeof answer.body === "string" ? answer.body : utf8.decode(answer.body)

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

/**
 * The tagged error of every status `Errors.ts` names. Clerk answers statuses its
 * spec does not list for an operation (a 404 from creating an actor token, a 403
 * from organization calls on an instance without organizations, a 500 from
 * anything), so a Clerk error body with one of these statuses always becomes its
 * tag, whatever the operation documents.
 */
const errorClasses: {
  readonly [S in ErrorStatus]: new (
    fields: { readonly status: S } & ErrorFields
  ) => ErrorFor<S>
} = {
  400: ClerkBadRequest,
  401: ClerkUnauthorized,
  402: ClerkPaymentRequired,
  403: ClerkForbidden,
  404: ClerkNotFound,
  409: ClerkConflict,
  410: ClerkGone,
  413: ClerkPayloadTooLarge,
  422: ClerkUnprocessableEntity,
  423: ClerkLocked,
  429: ClerkTooManyRequests,
  500: ClerkInternalServerError
}

const isTagged = (status: number): status is ErrorStatus => Object.hasOwn(errorClasses, status)

const tagged = <S extends ErrorStatus>(
  status: S,
  fields: { readonly status: S } & ErrorFields
): ErrorFor<S> => {
  const ErrorClass: new (fields: { readonly status: S } & ErrorFields) => ErrorFor<S> = errorClasses[status]
  return new ErrorClass(fields)
}

/** A header's value as an error may keep it: without the secret. */
const header = (response: HttpClientResponse.HttpClientResponse, name: string, scrub: Scrub) => {
  const value = response.headers[name]
  return value === undefined ? undefined : scrub.text(value)
}

/** 501 and 505 say the server will never do it; the others may pass. */
const statusKind = (status: number): FailureKind | undefined =>
  status === 429
    ? "RateLimited"
    : status === 408 || status === 500 || status === 502 || status === 503 || status === 504
      ? "Unavailable"
      : undefined

/**
 * A non-2xx answer: the error the call fails with, how far repeating it might
 * help, and the delay its `Retry-After` asks for (429 or 503).
 */
export interface Rejection {
  readonly error: ClerkErrors | SDKError
  readonly kind: FailureKind | undefined
  readonly retryAfter: Duration.Duration | undefined
}

export const rejection = (answer: Answer, now: number, scrub: Scrub): Rejection => {
  const { response } = answer
  const status = response.status
  const seconds =
    status === 429 || status === 503 ? parseRetryAfter(response.headers["retry-after"], now) : undefined
  return {
    error: failure(response, textOf(answer), seconds, scrub),
    kind: statusKind(status),
    retryAfter: seconds === undefined ? undefined : Duration.seconds(seconds)
  }
}

const failure = (
  response: HttpClientResponse.HttpClientResponse,
  answered: string,
  retryAfter: number | undefined,
  scrub: Scrub
): ClerkErrors | SDKError => {
  const status = response.status
  const text = scrub.text(answered)
  const contentType = header(response, "content-type", scrub)
  const sdkError = (reason: string) => new SDKError({ status, contentType, body: text, reason })
  if (status >= 300 && status < 400)
    return sdkError(
      `a redirect (to ${header(response, "location", scrub) ?? "nowhere"}), which Clerk's API never sends: not followed`
    )
  const body = Option.flatMap(parseJson(text), decodeClerkErrorBody)
  if (Option.isNone(body)) return sdkError("the body is not Clerk's error JSON")
  if (!isTagged(status)) return sdkError(`status ${status} has no tagged Clerk error`)
  const fields = {
    status,
    errors: body.value.errors,
    meta: body.value.meta,
    clerkTraceId: body.value.clerkTraceId ?? header(response, "x-clerk-trace-id", scrub)
  }
  // Only a 429 carries `Retry-After`.
  return tagged(status, status === 429 ? { ...fields, retryAfter } : fields)
}

/** A 2xx body parsed as JSON: what decodes it into the call's value. */
export interface Parsed<A, E> {
  /** Once only (see `ParsedJson`). */
  readonly decode: () => Either.Either<A, E>
}

/** Synchronous: a valid body is the common case and needs no Effect of its own. */
export const parsed = <A>(
  operationId: string,
  parse: JsonParser<A>,
  response: HttpClientResponse.HttpClientResponse,
  text: string,
  scrub: Scrub
): Either.Either<Parsed<A, ResponseValidationError>, SDKError> => {
  const result = parse(text)
  if (result._tag === "NotJson")
    return Either.left(
      new SDKError({
        status: response.status,
        contentType: header(response, "content-type", scrub),
        body: scrub.text(text),
        reason: "a success body that is not JSON"
      })
    )
  return Either.right({
    decode: () => {
      const decoded = result.decode()
      return decoded._tag === "Decoded"
        ? Either.right(decoded.value)
        : Either.left(
            new ResponseValidationError({
              operationId,
              status: response.status,
              body: scrub.json(decoded.json),
              issues: toIssues(decoded.issue).map(
                (issue) =>
                  new ValidationIssue({
                    path: issue.path.map(pathKey(scrub)),
                    message: scrub.text(issue.message)
                  })
              )
            })
          )
    }
  })
}
