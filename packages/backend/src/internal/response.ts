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
import type { JsonParser } from "./compiledDecoder.js"
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

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
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

export const failure = (
  response: HttpClientResponse.HttpClientResponse,
  answered: string,
  now: number,
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
  return tagged(
    status,
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
    json: result.json,
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
