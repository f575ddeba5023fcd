/**
 * The one function behind every generated operation: validate and encode the
 * params, send, then decode the answer into the success value or a typed error.
 *
 * A call runs on every request of a program, so its path is kept short: all
 * that depends on the operation alone is prepared in `make`, and the retry
 * machinery is only set up once an attempt has failed in a repeatable way.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import type { CallOptions } from "../CallOptions.js"
import { ClerkClient, type Service as ClerkClientService } from "../ClerkClient.js"
import { type OperationError, RequestValidationError } from "../Errors.js"
import { RateLimit } from "../RateLimit.js"
import { type Failure, RetryPolicy } from "../RetryPolicy.js"
import { Timeout } from "../Timeout.js"
import {
  type Answer,
  type BodyRead,
  exchange,
  failWith,
  readAhead,
  retryAfterOf,
  statusKind,
  textOf,
  transportKind
} from "./attempt.js"
import * as CallOptionsCheck from "./callOptions.js"
import * as CompiledDecoder from "./compiledDecoder.js"
import { toIssues } from "./issues.js"
import { type RequestShape, compile } from "./request.js"
import { type Parsed, failure, parsed } from "./response.js"
import type { Scrub } from "./scrub.js"
import { BoundedAttempt, attemptTimeoutFor } from "./timeout.js"

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
 * Sleeps until the Clock reads `deadline`. A timer may fire a few milliseconds
 * early on a busy event loop (Node counts from the loop's cached time), and a
 * request sent before its `Retry-After` has passed earns another 429.
 */
const waitUntil = (deadline: number): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    now >= deadline
      ? Effect.void
      : Effect.zipRight(
          Effect.sleep(deadline - now),
          Effect.suspend(() => waitUntil(deadline))
        )
  )

/**
 * Ends a successful call's span without its value. A span outlives the call's
 * first young-generation collections, so it sits in the old generation, and a
 * decoded page it pointed to would be copied and promoted with it: that cost a
 * 500-user list a quarter of its time in garbage collection. A failed call's
 * span is ended by `useSpan`, with its error.
 */
const endWithoutValue = (span: Tracer.Span, clock: Clock.Clock) =>
  span.end(clock.unsafeCurrentTimeNanos(), Exit.void)

/**
 * The variant of a call that leaves decoding to the caller: it answers, once
 * the request has succeeded, with the Effect that parses the body, which in
 * turn gives what decodes it. `Pagination.stream` fetches the next page ahead
 * with it and parses the page only when the consumer gets to it, so one decoded
 * page is alive at a time (two doubled the GC time of streaming); the parsed
 * page tells whether there is another, to be requested before this one is decoded.
 */
export type DecodeLater<P, A, E> = (
  params: P,
  options?: CallOptions
) => Effect.Effect<Effect.Effect<Parsed<A, E>, E>, E, ClerkClient>

/**
 * The key under which a call keeps what `decodeLater` builds its variant from:
 * kept outside `make`, so a program without streams does not bundle it.
 */
const Internals: unique symbol = Symbol.for("@effect-clerk/backend/Operation/Internals")

/** Parses a 2xx answer by the shape the call asked for. */
type Parse<A, E> = (answer: Answer) => Either.Either<Parsed<A, E>, E>

/** The parser of one shape; what an error keeps of the body is scrubbed of the secret. */
type ParserOf<A, E> = (scrub: Scrub) => Parse<A, E>

interface Internals<P, A, E> {
  /** `decoded` turns a 2xx answer, parsed by `parse`, into the call's value or the error it must fail with. */
  readonly run: <X>(
    params: P | undefined,
    options: CallOptions | undefined,
    decoded: (parse: Parse<A, E>) => (answer: Answer) => Either.Either<X, E>,
    read: BodyRead
  ) => Effect.Effect<X, E, ClerkClient>
}

/**
 * The `DecodeLater` variant of an operation made by `make`, or `undefined` for
 * any other function. A broken body is parsed at once: its failure decides
 * whether the request is repeated.
 */
export const decodeLater = <P, A, E>(call: object): DecodeLater<P, A, E> | undefined => {
  const internals = (call as { readonly [Internals]?: Internals<P, A, E> })[Internals]
  if (internals === undefined) return undefined
  const { run } = internals
  return (params, options) =>
    run(
      params,
      options,
      (parse) => (answer) =>
        answer.broken
          ? Either.map(parse(answer), Effect.succeed)
          : Either.right(Effect.suspend(() => parse(answer))),
      readAhead
    )
}

/**
 * @since 0.1.0
 * @category constructors
 */
export function make<P, PI, A, AI, Page, PageI>(
  definition: Definition<P, PI, A, AI> & { readonly paginated: Schema.Schema<Page, PageI> }
): PaginatedCall<P, A, Page, OperationError>
export function make<P, PI, A, AI>(definition: Definition<P, PI, A, AI>): Call<P, A, OperationError>
export function make<P, PI, A, AI>(definition: Definition<P, PI, A, AI>): Call<P, A, OperationError> {
  type E = OperationError
  const { operationId, method } = definition
  // A key the operation does not know (a typo from JavaScript, a field of another
  // operation) is refused rather than dropped: the caller meant it to be sent.
  const encodeParams = ParseResult.encodeUnknownEither(definition.params, {
    errors: "all",
    onExcessProperty: "error"
  })
  const parseSuccess =
    definition.success === undefined ? undefined : CompiledDecoder.parseJsonFor(definition.success)
  const parsePage =
    definition.paginated === undefined ? undefined : CompiledDecoder.parseJsonFor(definition.paginated)
  const toRequest = compile(definition)
  const spanName = `Clerk.${operationId}`
  // The call site inside this module is all a captured stack would show.
  const spanOptions: Tracer.SpanOptions = {
    kind: "client",
    captureStackTrace: false,
    attributes: {
      "clerk.operation_id": operationId,
      "http.request.method": method,
      "http.route": definition.path
    }
  }

  const invalidParams = (issue: ParseResult.ParseIssue) => {
    const issues = toIssues(issue)
    return Effect.fail(
      new RequestValidationError({ operationId, field: issues[0]?.path.map(String).join(".") ?? "", issues })
    )
  }

  const parse: ParserOf<A, E> = (scrub) => (answer) =>
    parseSuccess === undefined
      ? Either.right({ json: undefined, decode: () => Either.right(undefined as A) })
      : parsed(operationId, parseSuccess, answer.response, textOf(answer), scrub)

  // The page shape is a second success type of the same call; the call's type says which a caller gets.
  const parsePaginated: ParserOf<A, E> | undefined =
    parsePage === undefined
      ? undefined
      : (scrub) => (answer) =>
          parsed(
            operationId,
            parsePage as CompiledDecoder.JsonParser<A>,
            answer.response,
            textOf(answer),
            scrub
          )

  const parserFor = (wire: { readonly [key: string]: unknown }, scrub: Scrub): Parse<A, E> =>
    (parsePaginated !== undefined && wire.paginated === true ? parsePaginated : parse)(scrub)

  const decode =
    (parse: Parse<A, E>) =>
    (answer: Answer): Either.Either<A, E> =>
      Either.flatMap(parse(answer), (body) => body.decode())

  /** `decoded` turns a 2xx answer into the call's value, or the error it must fail with. */
  const send = <X>(
    context: Context.Context<ClerkClient>,
    client: ClerkClientService,
    span: Tracer.Span,
    clock: Clock.Clock,
    wire: { readonly [key: string]: unknown },
    options: CallOptionsCheck.CheckedOptions,
    decoded: (answer: Answer) => Either.Either<X, E>,
    read: BodyRead
  ): Effect.Effect<X, E> => {
    const { httpClient, scrub } = client
    const policy = options.retry ?? Context.get(context, RetryPolicy)
    const timeout = options.timeout ?? Context.get(context, Timeout)
    const attemptTimeout = attemptTimeoutFor(httpClient, clock, timeout)
    const rateLimit = Context.get(context, RateLimit)
    const retryContext = { operationId, method, policy }
    let attempts = 0

    const settle = (answer: Answer): Effect.Effect<Either.Either<X, E>, Failure<E>> => {
      const { response } = answer
      const status = response.status
      span.attribute("http.response.status_code", status)
      if (status >= 200 && status < 300) {
        const value = decoded(answer)
        // A success whose body broke off may be read again where repeating is safe.
        return Either.isLeft(value) && answer.broken
          ? failWith<X, E>(retryContext, value.left, "ConnectionLost", attempts)
          : Effect.succeed(value)
      }
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        failWith<X, E>(
          retryContext,
          failure(response, textOf(answer), now, scrub),
          statusKind(response.status),
          attempts,
          retryAfterOf(response, now)
        )
      )
    }

    const attempt = (request: Parameters<typeof exchange>[1]) =>
      Effect.suspend(() => {
        attempts += 1
        span.attribute("clerk.attempts", attempts)
        return rateLimit.limit(exchange(httpClient, request, timeout, attemptTimeout, read))
      }).pipe(
        Effect.matchEffect({
          onFailure: (error) =>
            failWith<X, E>(
              retryContext,
              error,
              error._tag === "TimeoutException" ? "TimedOut" : transportKind(error),
              attempts
            ),
          onSuccess: settle
        })
      )

    /**
     * Retries start from the failure the first attempt already had: the schedule
     * sees it as its first input, exactly as if `Effect.retry` had run that attempt.
     */
    const retried = (again: Effect.Effect<Either.Either<X, E>, Failure<E>>, first: Failure<E>) => {
      let pending: Failure<E> | undefined = first
      // The Clock time before which the last `Retry-After` forbids another attempt.
      let notBefore = 0
      const next = Effect.suspend(() => {
        if (pending === undefined) return Effect.zipRight(waitUntil(notBefore), again)
        const failed = pending
        pending = undefined
        return Effect.fail(failed)
      }).pipe(
        Effect.mapError((failure) => {
          if (failure.retryAfter !== undefined)
            notBefore = clock.unsafeCurrentTimeMillis() + Duration.toMillis(failure.retryAfter)
          return failure
        })
      )
      // `Effect.retry` with the failure's typed error once the schedule stops, without
      // bundling the option forms of `Effect.retry`.
      return Effect.retryOrElse(next, policy.schedule, (failure) => Effect.fail(failure.error))
    }

    return Effect.flatMap(toRequest(wire), (request) => {
      const once = attempt(request)
      return Effect.catchAll(once, (first) => retried(once, first))
    }).pipe(
      Effect.flatMap((result) => {
        if (Either.isRight(result)) endWithoutValue(span, clock)
        return result
      }),
      // One change of the context for the span and the timeout (see `timeout.ts`).
      Effect.mapInputContext((outer: Context.Context<never>) => {
        const withSpan = Context.add(outer, Tracer.ParentSpan, span)
        return attemptTimeout === undefined
          ? withSpan
          : Context.add(withSpan, BoundedAttempt, {
              millis: attemptTimeout,
              successAsBytes: read !== undefined
            })
      })
    )
  }

  const run = <X>(
    params: P | undefined,
    options: CallOptions | undefined,
    decoded: (parse: Parse<A, E>) => (answer: Answer) => Either.Either<X, E>,
    read: BodyRead
  ) =>
    Effect.clockWith((clock) =>
      Effect.useSpan(spanName, spanOptions, (span) =>
        Effect.suspend(() => {
          const wire = encodeParams(params ?? {})
          if (Either.isLeft(wire)) return invalidParams(wire.left)
          const checked = CallOptionsCheck.check(operationId, options)
          if (Either.isLeft(checked)) return Effect.fail(checked.left)
          const encoded = wire.right as { readonly [key: string]: unknown }
          return Effect.contextWithEffect((context: Context.Context<ClerkClient>) => {
            const client = Context.get(context, ClerkClient)
            const parse = parserFor(encoded, client.scrub)
            return send(context, client, span, clock, encoded, checked.right, decoded(parse), read)
          })
        })
      )
    )

  const call = (params: P | undefined, options?: CallOptions) => run(params, options, decode, undefined)
  const internals: Internals<P, A, E> = { run }
  return Object.assign(call, { [Internals]: internals }) as Call<P, A, OperationError>
}
