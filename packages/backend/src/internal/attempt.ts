/**
 * Executing, the second step of a call: send the request through the client's
 * HttpClient and read the whole answer, each attempt bounded by the `Timeout`
 * service and taking a permit of the `RateLimit` service, repeated as the
 * `RetryPolicy` service says. Per-call options reach these pieces as the
 * services themselves (see `operation.ts`).
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import type * as Tracer from "effect/Tracer"
import { ClerkClient, type Service as ClerkClientService } from "../ClerkClient.js"
import { RateLimit } from "../RateLimit.js"
import { type Failure, type FailureKind, RetryPolicy, isRepeatable } from "../RetryPolicy.js"
import { Timeout } from "../Timeout.js"
import { type Answer, type Rejection, rejection } from "./response.js"
import type { Scrub } from "./scrub.js"

/**
 * How a success body is read: as text (`undefined`), or by `readAhead`. A
 * function rather than a name, so a program without streams does not bundle
 * the other way.
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

const readBody = (response: HttpClientResponse.HttpClientResponse, read: BodyRead) => {
  const body: Effect.Effect<string | Uint8Array, HttpClientError.ResponseError> =
    read !== undefined && response.status >= 200 && response.status < 300 ? read(response) : response.text
  return Effect.match(body, {
    // A body that breaks off is kept as a description: for a write it is still an answer that must not be repeated.
    onFailure: (error) => ({ body: `<body unreadable: ${error.description ?? error.reason}>`, broken: true }),
    onSuccess: (body) => ({ body, broken: false })
  })
}

/** One attempt's exchange: the answer with its whole body. */
const exchange = (
  httpClient: ClerkClientService["httpClient"],
  request: HttpClientRequest.HttpClientRequest,
  read: BodyRead
): Effect.Effect<Answer, HttpClientError.HttpClientError> =>
  Effect.flatMap(httpClient.execute(request), (response) =>
    Effect.map(readBody(response, read), (body) => ({ response, ...body }))
  )

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/** The longest delay `setTimeout` keeps; longer ones fire at once. */
const maxTimerMillis = 2 ** 31 - 1

/** Calls `expire` once `timeout` has passed on `clock`; answers what cancels it. */
const startTimer = (
  clock: Clock.Clock,
  timeout: Duration.Duration,
  expire: () => void
): Effect.Effect<() => void> => {
  const millis = Duration.toMillis(timeout)
  if (clock === liveClock && millis <= maxTimerMillis) {
    return Effect.sync(() => {
      const timer = setTimeout(expire, millis)
      return () => clearTimeout(timer)
    })
  }
  return Effect.map(Effect.fork(clock.sleep(timeout)), (sleeping) => {
    sleeping.addObserver((exit) => {
      if (Exit.isSuccess(exit)) expire()
    })
    return () => sleeping.unsafeInterruptAsFork(FiberId.none)
  })
}

/**
 * The one timeout of an attempt, for any HttpClient and any Clock: the attempt
 * runs in a fiber of its own while the Clock's timer runs; whichever ends first
 * decides. A timed-out attempt is interrupted, which aborts its socket, and a
 * `TimeoutException` takes its place.
 *
 * `Effect.timeout` does the same with a second fiber that sleeps, waits for that
 * fiber's interruption once the attempt has won, and copies the winner's
 * FiberRefs back: a cost that shows against a call as small as get-user. Here
 * the live Clock's timer is a plain `setTimeout`, the one its sleep would set;
 * any other Clock (such as `TestClock`) sleeps in a fiber, as only it can tell
 * when its time has passed.
 */
const withTimeout = <A, E>(
  effect: Effect.Effect<A, E>,
  timeout: Duration.Duration
): Effect.Effect<A, E | Cause.TimeoutException> =>
  Effect.clockWith((clock) =>
    // The fork carries the attempt's exit as its value, so a failed attempt is not
    // also logged as a fiber that failed unobserved (`Effect.timeout` does the same).
    Effect.flatMap(Effect.fork(Effect.exit(effect)), (attempt) => {
      let expired = () => {}
      return Effect.flatMap(
        startTimer(clock, timeout, () => expired()),
        (cancel) =>
          Effect.async<A, E | Cause.TimeoutException>((resume) => {
            expired = () =>
              resume(
                Effect.zipRight(
                  Fiber.interrupt(attempt),
                  Effect.fail(
                    new Cause.TimeoutException(`Operation timed out after '${Duration.format(timeout)}'`)
                  )
                )
              )
            // Whichever comes first resumes; the fiber ignores a second call.
            attempt.addObserver((exit) => {
              cancel()
              resume(Exit.flatten(exit))
            })
            return Effect.suspend(() => {
              cancel()
              return Fiber.interrupt(attempt)
            })
          })
      )
    })
  )

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

const transportKind = (
  error: HttpClientError.HttpClientError | Cause.TimeoutException
): FailureKind | undefined => {
  if (error._tag === "TimeoutException") return "TimedOut"
  if (error._tag !== "RequestError" || error.reason !== "Transport") return undefined
  if (hasCode(invalidRequestCodes, error.cause)) return undefined
  return hasCode(notConnectedCodes, error.cause) ? "NotConnected" : "ConnectionLost"
}

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

/** What `execute` needs to know of the call. */
export interface Call<X, E> {
  readonly operationId: string
  readonly method: HttpMethod
  /** Where the attempts and the last status are recorded; none where the program keeps no spans. */
  readonly span: Tracer.Span | undefined
  readonly request: HttpClientRequest.HttpClientRequest
  readonly read: BodyRead
  /** A 2xx answer as the call's value, or the error it fails with; `scrub` takes the secret out of what it keeps. */
  readonly succeeded: (answer: Answer, scrub: Scrub) => Either.Either<X, E>
}

export type ExecuteError = HttpClientError.HttpClientError | Cause.TimeoutException | Rejection["error"]

/**
 * Runs the attempts of one call. A failure the policy may repeat goes to the
 * error channel as a `Failure`, where the retry sees it; any other is settled as
 * a `Left`, so the retry never sees it.
 */
export const execute = <X, E>(call: Call<X, E>): Effect.Effect<X, E | ExecuteError, ClerkClient> =>
  Effect.clockWith((clock) =>
    Effect.contextWithEffect((context: Context.Context<ClerkClient>) => {
      const client = Context.get(context, ClerkClient)
      const policy = Context.get(context, RetryPolicy)
      const timeout = Context.get(context, Timeout)
      const rateLimit = Context.get(context, RateLimit)
      const { span, request, read } = call
      let attempts = 0
      // The Clock time before which the last `Retry-After` forbids another attempt.
      let notBefore = 0
      type Outcome = Either.Either<X, E | ExecuteError>
      const settled = (
        error: E | ExecuteError,
        kind: FailureKind | undefined,
        retryAfter?: Duration.Duration
      ): Effect.Effect<Outcome, Failure<E | ExecuteError>> => {
        if (kind === undefined) return Effect.succeed(Either.left(error))
        const failure: Failure<E | ExecuteError> = {
          kind,
          operationId: call.operationId,
          method: call.method,
          attempt: attempts,
          retryAfter,
          error
        }
        if (!isRepeatable(failure, policy.replayWrites)) return Effect.succeed(Either.left(error))
        if (retryAfter !== undefined)
          notBefore = clock.unsafeCurrentTimeMillis() + Duration.toMillis(retryAfter)
        return Effect.fail(failure)
      }
      const onAnswer = (answer: Answer): Effect.Effect<Outcome, Failure<E | ExecuteError>> => {
        const status = answer.response.status
        span?.attribute("http.response.status_code", status)
        if (status >= 200 && status < 300) {
          const value = call.succeeded(answer, client.scrub)
          // A success whose body broke off may be read again where repeating is safe.
          return Either.isLeft(value) && answer.broken
            ? settled(value.left, "ConnectionLost")
            : Effect.succeed(value)
        }
        const rejected = rejection(answer, clock.unsafeCurrentTimeMillis(), client.scrub)
        return settled(rejected.error, rejected.kind, rejected.retryAfter)
      }
      const attempt = Effect.suspend(() => {
        attempts += 1
        span?.attribute("clerk.attempts", attempts)
        const limited = rateLimit.limit(withTimeout(exchange(client.httpClient, request, read), timeout))
        return notBefore === 0 ? limited : Effect.zipRight(waitUntil(notBefore), limited)
      }).pipe(
        Effect.matchEffect({
          onFailure: (error) => settled(error, transportKind(error)),
          onSuccess: onAnswer
        })
      )
      // The policy's schedule is driven only once an attempt has failed in a repeatable
      // way, and sees that failure first: a call that succeeds pays nothing for it.
      const retried = (first: Failure<E | ExecuteError>) =>
        Effect.flatMap(Schedule.driver(policy.schedule), (driver) => {
          const next = (failure: Failure<E | ExecuteError>): Effect.Effect<Outcome, E | ExecuteError> =>
            Effect.matchEffect(driver.next(failure), {
              onFailure: () => Effect.fail(failure.error),
              onSuccess: () => Effect.catchAll(attempt, next)
            })
          return next(first)
        })
      return Effect.flatten(Effect.catchAll(attempt, retried))
    })
  )
