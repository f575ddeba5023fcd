/**
 * One request on undici's own API, from sending it to the end of its body.
 * Interrupting the request or a read of its body aborts the socket.
 */
import { EventEmitter } from "node:events"
import { Readable } from "node:stream"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type * as Undici from "undici"

/**
 * What undici listens to for an abort. It takes an EventEmitter as well as an
 * AbortSignal, and an emitter is the cheaper of the two: an AbortController
 * and undici's listener on it are set up for every request, and showed in the
 * profile of a small call.
 */
class AbortSwitch extends EventEmitter {
  aborted = false

  abort() {
    if (this.aborted) return
    this.aborted = true
    this.emit("abort")
  }
}

type Body = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/** A streamed body needs the fiber's runtime to run; the others go to undici as they are. */
const toBody = (
  body: HttpClientRequest.HttpClientRequest["body"],
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): Body => {
  switch (body._tag) {
    case "Empty":
      return null
    case "Uint8Array":
    case "Raw":
      return body.body as Body
    case "FormData":
      return body.formData as Body
    case "Stream":
      return Readable.from(
        Stream.toAsyncIterableRuntime(
          Runtime.make({
            context: fiber.currentContext,
            fiberRefs: fiber.getFiberRefs(),
            runtimeFlags: Runtime.defaultRuntimeFlags
          })
        )(body.stream)
      )
  }
}

/** Sends `request` on `dispatcher`; the answer comes with its headers, its body is read on demand. */
export const request = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.withFiberRuntime((fiber) => {
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (url._tag === "Left") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
    }
    const abort = new AbortSwitch()
    return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      dispatcher.request(
        {
          method: request.method,
          origin: url.right.origin,
          path: url.right.pathname + url.right.search + url.right.hash,
          headers: request.headers,
          body: toBody(request.body, fiber),
          signal: abort
        },
        (error, data) =>
          resume(
            error === null
              ? Effect.succeed(new UndiciResponse(request, data))
              : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error }))
          )
      )
      return Effect.sync(() => abort.abort())
    })
  })

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private headersCache: Headers.Headers | undefined
  private textRead: Effect.Effect<string, HttpClientError.ResponseError> | undefined
  private bufferRead: Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Undici.Dispatcher.ResponseData
  ) {
    super()
    // A body destroyed by an abort must not throw from the stream's 'error' event.
    source.body.on("error", () => {})
  }

  get status() {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    if (this.headersCache === undefined) this.headersCache = Headers.fromInput(this.source.headers)
    return this.headersCache
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause
    })
  }

  /**
   * The body can be consumed once: each way of reading it is memoised, as the
   * platform's clients do. An interrupted read destroys the body, which closes the socket.
   */
  private read<A>(consume: () => Promise<A>): Effect.Effect<A, HttpClientError.ResponseError> {
    let result: Promise<A> | undefined
    return Effect.async<A, HttpClientError.ResponseError>((resume) => {
      result ??= consume()
      result.then(
        (value) => resume(Effect.succeed(value)),
        (cause: unknown) => resume(Effect.fail(this.decodeError(cause)))
      )
      return Effect.sync(() => this.source.body.destroy())
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    if (this.textRead === undefined) this.textRead = this.read(() => this.source.body.text())
    return this.textRead
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    if (this.bufferRead === undefined) this.bufferRead = this.read(() => this.source.body.arrayBuffer())
    return this.bufferRead
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as unknown)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  /** undici's own body cannot parse forms; the WHATWG `Response` can. */
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (buffer) =>
      Effect.tryPromise({
        try: () =>
          new Response(buffer, {
            headers: { "content-type": this.headers["content-type"] ?? "" }
          }).formData(),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromAsyncIterable(this.source.body, (cause) => this.decodeError(cause))
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
