/**
 * An `HttpClient` for Node on undici's own `request` API, the transport this SDK
 * is fastest with, and the one its README provides. Any `@effect/platform`
 * HttpClient works; this one skips the WHATWG layer and the per-request
 * bookkeeping of the platform's clients (an AbortController, a finalization
 * registry and a wrapper for every response), which shows on small calls such
 * as get-user (`pnpm bench` compares the transports).
 *
 * It does not trace or propagate trace headers, and it needs `undici` installed.
 * Each answer comes once its whole body has arrived (Clerk's answers are JSON,
 * read whole anyway): a download to stream as it arrives wants another client.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Undici from "undici"
import * as UndiciExchange from "./internal/undiciExchange.js"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<HttpClientError.HttpClientError, never, HttpClientError.HttpClientError, never>(
    (request) => Effect.flatMap(request, (request) => UndiciExchange.request(dispatcher, request)),
    Effect.succeed
  )

/**
 * The client over its own connection pool, closed with the Layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Undici.Agent()),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    make
  )
)
