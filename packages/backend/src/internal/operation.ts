/**
 * The one function behind every generated operation, a composition of four
 * steps: encode the params into a request (`request.ts`), execute it with the
 * client's retry, rate limit and timeout (`attempt.ts`), match the answer's
 * status (`response.ts`), and decode the body with the model's decoder.
 *
 * `define` prepares everything that depends on the operation alone, once;
 * `make` turns a definition into the call, and `Pagination.stream` turns a
 * list's definition into its stream.
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import type { CallOptions } from "../CallOptions.js"
import type { ClerkClient } from "../ClerkClient.js"
import type { OperationError } from "../Errors.js"
import { RetryPolicy } from "../RetryPolicy.js"
import { Timeout } from "../Timeout.js"
import { type BodyRead, execute } from "./attempt.js"
import * as CallOptionsCheck from "./callOptions.js"
import * as ResponseDecoder from "./responseDecoder.js"
import { type RequestShape, encoder } from "./request.js"
import { type Answer, type Parsed, parsed, textOf } from "./response.js"
import type { Scrub } from "./scrub.js"

/**
 * The query and body encodings of a `Definition`; an operation without query
 * params or a body names none.
 */
export {
  json as jsonBody,
  jsonArray as jsonArrayBody,
  multipart as multipartBody,
  optionalJson as optionalJsonBody,
  query,
  withQuery
} from "./request.js"

export interface Definition<P, PI, A, AI> extends RequestShape {
  readonly operationId: string
  /** Params on the decoded side are camelCase; encoding yields the wire names. */
  readonly params: Schema.Schema<P, PI>
  /** Absent when the operation answers without a body. */
  readonly success: Schema.Schema<A, AI> | undefined
  /**
   * The answer when the call asks for `paginated: true`: real Clerk then answers
   * `{ data, total_count }` on every list that takes the flag, whatever the spec shows.
   */
  readonly paginated?: Schema.Schema.AnyNoContext | undefined
}

/** Parses a 2xx answer: JSON first, decoding on demand (see `Parsed`). */
type Parse<A> = (answer: Answer, scrub: Scrub) => Either.Either<Parsed<A, OperationError>, OperationError>

/**
 * An operation ready to run: what `define` works out once from a `Definition`.
 * `Page` is the answer to `paginated: true`, `never` where the list does not take it.
 */
export interface Operation<P, A, Page = never> {
  readonly operationId: string
  readonly method: HttpMethod
  readonly encode: (
    params: P | undefined
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, OperationError>
  /** The parser of the bare answer, and of the page a call with `paginated: true` gets. */
  readonly parse: Parse<A>
  readonly parsePage: Parse<Page> | undefined
  readonly spanName: string
  readonly spanOptions: Tracer.SpanOptions
}

/**
 * @since 0.1.0
 * @category constructors
 */
export function define<P, PI, A, AI, Page, PageI>(
  definition: Definition<P, PI, A, AI> & { readonly paginated: Schema.Schema<Page, PageI> }
): Operation<P, A, Page>
export function define<P, PI, A, AI>(definition: Definition<P, PI, A, AI>): Operation<P, A>
export function define<P, PI, A, AI>(definition: Definition<P, PI, A, AI>): Operation<P, A, unknown> {
  const { operationId, method } = definition
  const parser = <X>(parseJson: ResponseDecoder.JsonParser<X>): Parse<X> => {
    return (answer, scrub) => parsed(operationId, parseJson, answer.response, textOf(answer), scrub)
  }
  const success = definition.success
  return {
    operationId,
    method,
    encode: encoder(operationId, definition, definition.params),
    parse:
      success === undefined
        ? () => Either.right({ decode: () => Either.right(undefined as A) })
        : parser(ResponseDecoder.parseJsonFor(success)),
    parsePage:
      definition.paginated === undefined
        ? undefined
        : parser(ResponseDecoder.parseJsonFor(definition.paginated) as ResponseDecoder.JsonParser<unknown>),
    spanName: `Clerk.${operationId}`,
    // The call site inside this module is all a captured stack would show.
    spanOptions: {
      kind: "client",
      captureStackTrace: false,
      attributes: {
        "clerk.operation_id": operationId,
        "http.request.method": method,
        "http.route": definition.path
      }
    }
  }
}

/** Operations whose params are all optional can be called without any. */
export type Call<P, A, E> = {} extends P
  ? (params?: P, options?: CallOptions) => Effect.Effect<A, E, ClerkClient>
  : (params: P, options?: CallOptions) => Effect.Effect<A, E, ClerkClient>

/**
 * A list that takes `paginated`: `{ paginated: true }` answers `Page`, anything
 * else the bare list `A`, and the type says which a call gets.
 *
 * @since 0.1.0
 * @category models
 */
export interface PaginatedCall<P, A, Page, E> {
  (params: P & { readonly paginated: true }, options?: CallOptions): Effect.Effect<Page, E, ClerkClient>
  (...args: Args<P & { readonly paginated?: false | undefined }>): Effect.Effect<A, E, ClerkClient>
  (...args: Args<P>): Effect.Effect<A | Page, E, ClerkClient>
}

/** A call's arguments: the params may be left out where all of them are optional. */
type Args<P> = {} extends P ? [params?: P, options?: CallOptions] : [params: P, options?: CallOptions]

/**
 * Ends a successful call's span without its value. A span outlives the call's
 * first young-generation collections, so it sits in the old generation, and a
 * decoded page it pointed to would be copied and promoted with it: that cost a
 * 500-user list a quarter of its time in garbage collection. A failed call's
 * span is ended by `useSpan`, with its error.
 */
const endWithoutValue = (span: Tracer.Span, clock: Clock.Clock) =>
  span.end(clock.unsafeCurrentTimeNanos(), Exit.void)

/** Effect's own tracer, the one in place until a program provides another: it keeps its spans nowhere. */
const untraced = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Runs `body` inside the operation's span when the program has a tracer that
 * keeps spans (OpenTelemetry, a test's recorder). Under Effect's own tracer no
 * one can see a span, and making, carrying and ending one for nothing weighed
 * on a call as small as get-user: the call runs without (`span` is `undefined`).
 */
const traced = <X, E, R>(
  operation: Pick<Operation<never, unknown>, "spanName" | "spanOptions">,
  body: (span: Tracer.Span | undefined) => Effect.Effect<X, E, R>
): Effect.Effect<X, E, R> =>
  Tracer.tracerWith((tracer) =>
    tracer === untraced
      ? body(undefined)
      : Effect.clockWith((clock) =>
          Effect.useSpan(operation.spanName, operation.spanOptions, (span) =>
            body(span).pipe(
              Effect.tap(() => Effect.sync(() => endWithoutValue(span, clock))),
              Effect.withParentSpan(span)
            )
          )
        )
  )

/** The call's options replace the services they name, for this call only. */
const withOptions = <A, E, R>(effect: Effect.Effect<A, E, R>, options: CallOptionsCheck.CheckedOptions) => {
  const retried =
    options.retry === undefined ? effect : Effect.provideService(effect, RetryPolicy, options.retry)
  return options.timeout === undefined ? retried : Effect.provideService(retried, Timeout, options.timeout)
}

/**
 * What a call answers, from its 2xx answer and the parser of its body: the
 * decoded value, or (for `Pagination.stream`) the Effect that parses and
 * decodes the page later.
 */
export type Settle<A, X> = (
  parse: (answer: Answer) => Either.Either<Parsed<A, OperationError>, OperationError>,
  answer: Answer
) => Either.Either<X, OperationError>

/**
 * Runs one call of `operation`: encode, execute, match status, then `settle`.
 * `read` is how a success body is read (see `attempt.ts`).
 */
export const run = <P, A, Page, X>(
  operation: Operation<P, A, Page>,
  params: P | undefined,
  options: CallOptions | undefined,
  settle: Settle<A | Page, X>,
  read: BodyRead
): Effect.Effect<X, OperationError, ClerkClient> =>
  traced(operation, (span) =>
    Effect.suspend(() => {
      const checked = CallOptionsCheck.check(operation.operationId, options)
      if (Either.isLeft(checked)) return Effect.fail(checked.left)
      const parse: Parse<A | Page> =
        operation.parsePage !== undefined &&
        (params as { paginated?: unknown } | undefined)?.paginated === true
          ? operation.parsePage
          : operation.parse
      return Effect.flatMap(operation.encode(params), (request) =>
        withOptions(
          execute({
            operationId: operation.operationId,
            method: operation.method,
            span,
            request,
            read,
            succeeded: (answer, scrub) => settle((answer) => parse(answer, scrub), answer)
          }),
          checked.right
        )
      )
    })
  )

const decodeNow: Settle<unknown, unknown> = (parse, answer) =>
  Either.flatMap(parse(answer), (body) => body.decode())

/**
 * The call of a defined operation; a list's definition is kept apart so its
 * stream is made from the same one.
 *
 * @since 0.1.0
 * @category constructors
 */
export function call<P, A, Page>(
  operation: Operation<P, A, Page>
): [Page] extends [never] ? Call<P, A, OperationError> : PaginatedCall<P, A, Page, OperationError>
export function call<P, A, Page>(operation: Operation<P, A, Page>) {
  return (params: P | undefined, options?: CallOptions) =>
    run(operation, params, options, decodeNow, undefined)
}

/**
 * The call of an operation: `call(define(definition))`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<P, PI, A, AI, Page, PageI>(
  definition: Definition<P, PI, A, AI> & { readonly paginated: Schema.Schema<Page, PageI> }
): PaginatedCall<P, A, Page, OperationError>
export function make<P, PI, A, AI>(definition: Definition<P, PI, A, AI>): Call<P, A, OperationError>
export function make<P, PI, A, AI>(definition: Definition<P, PI, A, AI>) {
  return call(define(definition))
}
