/**
 * One request on undici's own API, from sending it to the end of its body: the
 * answer is given once its whole body has arrived, as bytes. Interrupting the
 * request at any point before that aborts the socket.
 *
 * Read whole in the same step, the body's text is made only when it is read,
 * and dies young: read in a second step, each page's text outlived the young
 * collections that followed it, and a loop over large lists spent its time in
 * full collections. Held as bytes, a page fetched ahead of its consumer
 * (`Pagination.stream`) waits outside V8's heap. Clerk's answers are JSON that
 * is read whole anyway; a download to stream as it arrives wants another client.
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
import * as Either from "effect/Either"
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
        (error, data) => {
          if (error !== null)
            return resume(
              Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error }))
            )
          // A body that breaks off is still an answer; reading it fails with the cause.
          data.body.arrayBuffer().then(
            (bytes) => resume(Effect.succeed(new UndiciResponse(request, data, Either.right(bytes)))),
            (cause: unknown) => resume(Effect.succeed(new UndiciResponse(request, data, Either.left(cause))))
          )
        }
      )
      return Effect.sync(() => abort.abort())
    })
  })

const utf8 = new TextDecoder()

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private headersCache: Headers.Headers | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Undici.Dispatcher.ResponseData,
    /** The whole body, or why it could not be read. */
    private readonly body: Either.Either<ArrayBuffer, unknown>
  ) {
    super()
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

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Either.match(this.body, {
      onLeft: (cause) => Effect.fail(this.decodeError(cause)),
      onRight: Effect.succeed
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.arrayBuffer, (bytes) => utf8.decode(bytes))
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
    return Stream.map(Stream.fromEffect(this.arrayBuffer), (bytes) => new Uint8Array(bytes))
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
