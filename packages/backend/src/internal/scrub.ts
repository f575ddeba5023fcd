/**
 * Keeps the configured secret key out of what the SDK keeps. A proxy or gateway
 * may echo the request's headers into its error page or debug JSON; whatever the
 * SDK keeps of an answer (an error's body, its messages, a rejected 2xx body) ends
 * up in logs, traces and `toString()`, so it is scrubbed before it is kept. An
 * HttpClient's own errors hold the request, and so its authorization header.
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Inspectable from "effect/Inspectable"
import * as Predicate from "effect/Predicate"

export interface Scrub {
  readonly text: (text: string) => string
  /** Every string of a parsed JSON value, keys included. */
  readonly json: (value: unknown) => unknown
}

const placeholder = "[redacted secret key]"

export const scrubbing = (secret: string): Scrub => {
  const text = (value: string) => (value.includes(secret) ? value.replaceAll(secret, placeholder) : value)
  const json = (value: unknown): unknown => {
    if (typeof value === "string") return text(value)
    if (Array.isArray(value)) return value.map(json)
    if (!Predicate.isRecord(value)) return value
    const out: Record<string, unknown> = {}
    // defineProperty keeps a `__proto__` key an own key, as `JSON.parse` made it.
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, text(key), {
        value: json(item),
        enumerable: true,
        writable: true,
        configurable: true
      })
    return out
  }
  return { text, json }
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
export const withoutSecret = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError => {
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
