/**
 * One request on undici's own API, from sending it to the end of its body, with
 * the deadline `UndiciHttpClient` enforces without a fiber of its own: when it
 * passes, the socket is aborted and whichever read is pending fails at once.
 *
 * Under `BoundedAttempt` the body is read before the answer is handed to the
 * fiber, so an operation's attempt is one asynchronous step, not two. Read in a
 * second step, every page's text outlived the young collections that followed
 * it: each scavenge of a loop over large lists moved the last few page texts
 * into the old generation, and full collections followed every few dozen calls
 * (what held them was not found; only a full collection saw them dead). Read in
 * one step, they die young.
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
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type * as Undici from "undici"
import { BoundedAttempt, timeoutException } from "./timeout.js"

/**
 * What undici listens to for an abort. It takes an EventEmitter as well as an
 * AbortSignal, and an emitter is the cheaper of the two: an AbortController
 * and undici's listener on it are set up for every request, and showed in the
 * profile of a small call.
 * undici reads `reason` once `abort` is emitted.
 */
class AbortSwitch extends EventEmitter {
  aborted = false
  reason: unknown = undefined

  abort(reason?: unknown) {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.emit("abort")
  }
}

/** The abort switch and deadline timer shared by the request and the reads of its body. */
class Exchange {
  readonly controller = new AbortSwitch()
  private timedOut: Cause.TimeoutException | undefined
  /** Fails the read now pending, if any, when the deadline passes. */
  private pending: ((timeout: Cause.TimeoutException) => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(millis: number | undefined) {
    if (millis === undefined) return
    this.timer = setTimeout(() => {
      const timeout = timeoutException(millis)
      this.timedOut = timeout
      this.controller.abort(timeout)
      this.pending?.(timeout)
    }, millis)
    // An answer whose body is never read must not keep the process alive until then.
    this.timer.unref()
  }

  /** Waits for `start` to call back, unless the deadline has passed or passes first. */
  wait<A, E>(
    start: (done: (result: Effect.Effect<A, E>) => void) => void,
    onTimeout: (timeout: Cause.TimeoutException) => E,
    onInterrupt: () => void
  ): Effect.Effect<A, E> {
    return Effect.async<A, E>((resume) => {
      if (this.timedOut !== undefined) return resume(Effect.fail(onTimeout(this.timedOut)))
      this.pending = (timeout) => resume(Effect.fail(onTimeout(timeout)))
      start((result) => {
        this.pending = undefined
        // After a timeout the aborted request calls back too; that answer is already given.
        if (this.timedOut === undefined) resume(result)
      })
      return Effect.sync(() => {
        this.pending = undefined
        this.finish()
        onInterrupt()
      })
    })
  }

  /** The exchange is over (body read, failed or interrupted): the deadline no longer applies. */
  finish() {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
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

export const send = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.withFiberRuntime((fiber) => {
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (url._tag === "Left") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
    }
    const transportError = (cause: unknown) =>
      new HttpClientError.RequestError({ request, reason: "Transport", cause })
    const attempt = Option.getOrUndefined(Context.getOption(fiber.currentContext, BoundedAttempt))
    const exchange = new Exchange(attempt?.millis)
    return exchange.wait<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>(
      (done) =>
        dispatcher.request(
          {
            method: request.method,
            origin: url.right.origin,
            path: url.right.pathname + url.right.search + url.right.hash,
            headers: request.headers,
            body: toBody(request.body, fiber),
            signal: exchange.controller
          },
          (error, data) => {
            if (error !== null) {
              exchange.finish()
              return done(Effect.fail(transportError(error)))
            }
            const response = new UndiciResponse(request, data, exchange)
            if (attempt === undefined) return done(Effect.succeed(response))
            const asBytes = attempt.successAsBytes && data.statusCode >= 200 && data.statusCode < 300
            response.readWhole(asBytes).then(() => done(Effect.succeed(response)))
          }
        ),
      transportError,
      () => exchange.controller.abort()
    )
  })

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private headersCache: Headers.Headers | undefined
  private textRead: Effect.Effect<string, HttpClientError.ResponseError> | undefined
  private bufferRead: Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Undici.Dispatcher.ResponseData,
    private readonly exchange: Exchange
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

  /** The body can be consumed once: each way of reading it is memoised, as the platform's clients do. */
  private read<A>(consume: () => Promise<A>): Effect.Effect<A, HttpClientError.ResponseError> {
    let result: Promise<A> | undefined
    return Effect.suspend(() =>
      this.exchange.wait<A, HttpClientError.ResponseError>(
        (done) => {
          result ??= consume()
          result.then(
            (value) => {
              this.exchange.finish()
              done(Effect.succeed(value))
            },
            (cause: unknown) => {
              this.exchange.finish()
              done(Effect.fail(this.decodeError(cause)))
            }
          )
        },
        (timeout) => this.decodeError(timeout),
        () => this.source.body.destroy()
      )
    )
  }

  /**
   * Reads the whole body now; the read it was (text or bytes) then answers with
   * it, or with its failure. A deadline passing meanwhile fails the request itself.
   */
  readWhole(asBytes: boolean): Promise<void> {
    const whole: Promise<string | ArrayBuffer> = asBytes
      ? this.source.body.arrayBuffer()
      : this.source.body.text()
    return whole.then(
      (body) => {
        this.exchange.finish()
        if (typeof body === "string") this.textRead = Effect.succeed(body)
        else this.bufferRead = Effect.succeed(body)
      },
      (cause: unknown) => {
        this.exchange.finish()
        const failed = Effect.fail(this.decodeError(cause))
        if (asBytes) this.bufferRead = failed
        else this.textRead = failed
      }
    )
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
    return Stream.fromAsyncIterable(this.source.body, (cause) => this.decodeError(cause)).pipe(
      Stream.ensuring(Effect.sync(() => this.exchange.finish()))
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
