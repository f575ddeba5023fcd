/**
 * One attempt of an operation: send the request, read the whole answer within
 * the timeout, and say what kind of failure it was when repeating might help.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import { type Failure, type FailureKind, type Service, isRepeatable } from "../RetryPolicy.js"
import { parseRetryAfter } from "./response.js"
import { boundsAttempts, withTimeout } from "./timeout.js"

export interface Answer {
  readonly response: HttpClientResponse.HttpClientResponse
  /** The body as sent: text, or the bytes of a success read ahead (`BodyRead`); `textOf` reads either. */
  readonly body: string | Uint8Array
  /** The body broke off mid-stream (a reset after the answer started). */
  readonly broken: boolean
}

/**
 * How a success body is read: as text (`undefined`), which undici decodes as it
 * joins the chunks, or by `readAhead`. A function rather than a name, so a
 * program without streams does not bundle the other way.
 */
export type BodyRead =
  | ((
      response: HttpClientResponse.HttpClientResponse
    ) => Effect.Effect<Uint8Array, HttpClientError.ResponseError>)
  | undefined

/**
 * A page fetched ahead of the consumer (`Pagination.stream`) waits as bytes,
 * outside V8's heap: its text arriving while the consumer's page was alive set
 * off young collections that promoted that page, so a long stream's memory grew
 * with its length; held as bytes, it stays flat.
 */
export const readAhead = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(response.arrayBuffer, (buffer) => new Uint8Array(buffer))

const utf8 = new TextDecoder()

export const textOf = (answer: Answer): string =>
  typeof answer.body === "string" ? answer.body : utf8.decode(answer.body)

/** A transport that bounds the attempt itself reports the timeout as the cause of its own error. */
const transportTimeout = (error: HttpClientError.HttpClientError) =>
  Cause.isTimeoutException(error.cause) ? error.cause : undefined

const readBody = (response: HttpClientResponse.HttpClientResponse, read: BodyRead) => {
  const body: Effect.Effect<string | Uint8Array, HttpClientError.ResponseError> =
    read !== undefined && response.status >= 200 && response.status < 300 ? read(response) : response.text
  return Effect.matchEffect(body, {
    // A body that breaks off is kept as a description: for a write it is still an answer that must not be repeated.
    onFailure: (error) => {
      const timeout = transportTimeout(error)
      return timeout === undefined
        ? Effect.succeed({ body: `<body unreadable: ${error.description ?? error.reason}>`, broken: true })
        : Effect.fail(timeout)
    },
    onSuccess: (body) => Effect.succeed({ body, broken: false })
  })
}

/**
 * A transport error keeps the request it failed to send, and `Headers` are only
 * redacted inside a logger: the bearer token must not travel on in the error.
 * `HttpClientRequest` offers no way to drop a header; overwriting it is the next best.
 */
const redacted = (request: HttpClientRequest.HttpClientRequest) =>
  HttpClientRequest.setHeader(request, "authorization", "<redacted>")

/**
 * A response whose `request` is the redacted one. The response is not ours to
 * change (its body may still be read), so the copy reads everything else through
 * to it. Its renderings are replaced too: a wrapping response (the platform's
 * interruptible one) renders the response it wraps, not `this`.
 */
const withRedactedRequest = (
  response: HttpClientResponse.HttpClientResponse
): HttpClientResponse.HttpClientResponse => {
  const request = redacted(response.request)
  const render = () => ({ ...Object(response.toJSON()), request: request.toJSON() })
  return Object.create(response, {
    request: { value: request, enumerable: true },
    toJSON: { value: render },
    toString: { value: () => Inspectable.format(render()) },
    [Inspectable.NodeInspectSymbol]: { value: render }
  })
}

/**
 * A `RequestError` comes from the transport, a `ResponseError` from the transport
 * or a middleware of the caller's HttpClient (`filterStatusOk`); both hold the request.
 */
const withoutSecret = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
  const description = error.description === undefined ? {} : { description: error.description }
  return error._tag === "RequestError"
    ? new HttpClientError.RequestError({
        request: redacted(error.request),
        reason: error.reason,
        cause: error.cause,
        ...description
      })
    : new HttpClientError.ResponseError({
        request: redacted(error.request),
        response: withRedactedRequest(error.response),
        reason: error.reason,
        cause: error.cause,
        ...description
      })
}

/** Sends `request` and reads its body; a transport error leaves without the secret. */
const send = <R>(
  httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError, R>,
  request: HttpClientRequest.HttpClientRequest,
  read: BodyRead
): Effect.Effect<Answer, HttpClientError.HttpClientError | Cause.TimeoutException, R> =>
  httpClient.execute(request).pipe(
    Effect.flatMap((response) => Effect.map(readBody(response, read), (body) => ({ response, ...body }))),
    Effect.mapError((error) =>
      error._tag === "TimeoutException" ? error : (transportTimeout(error) ?? withoutSecret(error))
    )
  )

/**
 * The platform's own HTTP span is turned off: it records the full URL and query,
 * which carry user ids and emails, while the operation's span already describes
 * the request.
 */
const untraced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.locally(effect, HttpClient.currentTracerDisabledWhen, () => true)

/**
 * Sends `request` and reads its body, all within `timeout`; interruption (by the
 * timeout or the caller) aborts the socket. With an `attemptTimeout` the
 * HttpClient bounds the exchange itself, reading it from the context (see
 * `timeout.ts`); otherwise the attempt runs in a fiber of its own, so whatever
 * the HttpClient does is bounded. A transport that bounds attempts is one of
 * ours and never traces, so the platform's tracing switch is left alone.
 */
export const exchange = (
  httpClient: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration,
  attemptTimeout: number | undefined,
  read: BodyRead
): Effect.Effect<Answer, HttpClientError.HttpClientError | Cause.TimeoutException> => {
  if (attemptTimeout !== undefined) return send(httpClient, request, read)
  const bounded = withTimeout(send(httpClient, request, read), timeout)
  return boundsAttempts(httpClient) ? bounded : untraced(bounded)
}

/** Error codes raised before a connection existed (Node and undici): nothing was sent. */
const notConnectedCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"
])

/** Codes of a request the transport refused to send (an invalid header value): repeating cannot help. */
const invalidRequestCodes = new Set(["UND_ERR_INVALID_ARG", "ERR_INVALID_CHAR", "ERR_INVALID_HTTP_TOKEN"])

/** Transports nest the system error: undici throws it, fetch wraps it in `cause`, happy eyeballs in `errors`. */
const hasCode = (codes: ReadonlySet<string>, cause: unknown, depth = 0): boolean => {
  if (depth > 5 || !Predicate.isObject(cause)) return false
  if (Predicate.hasProperty(cause, "code") && codes.has(String(cause.code))) return true
  if (Predicate.hasProperty(cause, "cause") && hasCode(codes, cause.cause, depth + 1)) return true
  return (
    Predicate.hasProperty(cause, "errors") &&
    Array.isArray(cause.errors) &&
    cause.errors.length > 0 &&
    cause.errors.every((error) => hasCode(codes, error, depth + 1))
  )
}

export const transportKind = (error: HttpClientError.HttpClientError): FailureKind | undefined => {
  if (error._tag !== "RequestError" || error.reason !== "Transport") return undefined
  if (hasCode(invalidRequestCodes, error.cause)) return undefined
  return hasCode(notConnectedCodes, error.cause) ? "NotConnected" : "ConnectionLost"
}

/** 501 and 505 say the server will never do it; the others may pass. */
export const statusKind = (status: number): FailureKind | undefined =>
  status === 429
    ? "RateLimited"
    : status === 408 || status === 500 || status === 502 || status === 503 || status === 504
      ? "Unavailable"
      : undefined

export const retryAfterOf = (response: HttpClientResponse.HttpClientResponse, now: number) => {
  if (response.status !== 429 && response.status !== 503) return undefined
  const seconds = parseRetryAfter(response.headers["retry-after"], now)
  return seconds === undefined ? undefined : Duration.seconds(seconds)
}

export interface Context {
  readonly operationId: string
  readonly method: HttpMethod
  readonly policy: Service
}

/**
 * A failure the policy may repeat goes to the error channel, where `Effect.retry`
 * sees it; any other is settled as a `Left` so the retry never sees it.
 */
export const failWith = <A, E>(
  context: Context,
  error: E,
  kind: FailureKind | undefined,
  attempt: number,
  retryAfter?: Duration.Duration
): Effect.Effect<Either.Either<A, E>, Failure<E>> => {
  if (kind === undefined) return Effect.succeed(Either.left(error))
  const failure: Failure<E> = {
    kind,
    operationId: context.operationId,
    method: context.method,
    attempt,
    retryAfter,
    error
  }
  return isRepeatable(failure, context.policy.replayWrites)
    ? Effect.fail(failure)
    : Effect.succeed(Either.left(error))
}
