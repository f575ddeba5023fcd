/**
 * When a failed call to Clerk is tried again, and how long to wait first.
 *
 * Two questions are kept apart. Whether a failure may be repeated at all is a
 * safety rule the SDK applies itself: a rate limit answer (Clerk did nothing) and
 * a connection that was never established (nothing was sent) can always be
 * repeated; a server error, a timeout or a connection lost mid-request can only
 * be repeated for methods where a second delivery changes nothing (GET, HEAD,
 * PUT, DELETE), unless the policy says the caller made its writes idempotent.
 * How long to wait and when to give up is the policy's `Schedule`, which sees
 * each repeatable failure as a {@link Failure}.
 *
 * @since 0.1.0
 */
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"

/**
 * Why an attempt failed, as far as repeating it is concerned.
 *
 * - `RateLimited`: Clerk answered 429; it did not act on the request.
 * - `Unavailable`: a 408 or 5xx answer; Clerk may have acted on the request.
 * - `TimedOut`: no complete answer within the attempt's timeout.
 * - `NotConnected`: the connection was never established (refused, DNS failure),
 *   so nothing was sent.
 * - `ConnectionLost`: the connection broke after the request may have been sent.
 *
 * @since 0.1.0
 * @category models
 */
export type FailureKind = "RateLimited" | "Unavailable" | "TimedOut" | "NotConnected" | "ConnectionLost"

/**
 * What the policy's schedule sees of a failed attempt that could be repeated.
 *
 * @since 0.1.0
 * @category models
 */
export interface Failure<E = unknown> {
  readonly kind: FailureKind
  readonly operationId: string
  readonly method: HttpMethod
  /** 1 for the first attempt. */
  readonly attempt: number
  /** The `Retry-After` the answer carried (429 or 503), already resolved to a delay. */
  readonly retryAfter: Duration.Duration | undefined
  /** The typed error the attempt failed with; it surfaces if the schedule stops. */
  readonly error: E
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Consulted only for failures the safety rule allows to be repeated; its delays are the waits. */
  readonly schedule: Schedule.Schedule<unknown, Failure>
  /**
   * Also repeat POST and PATCH after failures where the request may have reached
   * Clerk. Only for calls the caller made idempotent (for example by a unique
   * `externalId` Clerk enforces): otherwise a repeat can create a second user.
   */
  readonly replayWrites: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Attempts in total, the first included. Default 4. */
  readonly maxAttempts?: number | undefined
  /** The first backoff delay; each further one doubles, with jitter. Default 250 millis. */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** No backoff delay exceeds this. Default 10 seconds. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** No retry is scheduled to start later than this after the first failure. Default 30 seconds. */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /**
   * A `Retry-After` longer than this ends the retries: the error surfaces with its
   * `retryAfter` so the caller can reschedule the work. Default 20 seconds (Clerk's
   * rate limit windows are 10 seconds long).
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /** See {@link Service.replayWrites}. Default false. */
  readonly replayWrites?: boolean | undefined
}

/**
 * The defaults of {@link make}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  maxAttempts: 4,
  baseDelay: Duration.millis(250),
  maxDelay: Duration.seconds(10),
  maxElapsed: Duration.seconds(30),
  maxRetryAfter: Duration.seconds(20),
  replayWrites: false
} as const

/**
 * Exponential backoff with jitter from `baseDelay`, capped at `maxDelay`; a
 * `Retry-After` is waited out in full (never less); bounded by `maxAttempts`,
 * `maxElapsed` and `maxRetryAfter`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Service => {
  const retries = Math.max(0, (options.maxAttempts ?? defaults.maxAttempts) - 1)
  const baseDelay = Duration.toMillis(options.baseDelay ?? defaults.baseDelay)
  const maxDelay = Duration.toMillis(options.maxDelay ?? defaults.maxDelay)
  const maxRetryAfter = Duration.decode(options.maxRetryAfter ?? defaults.maxRetryAfter)
  const budget = Duration.toMillis(options.maxElapsed ?? defaults.maxElapsed)
  // One step rather than a stack of combinators, which every program that calls
  // an operation would bundle (the bench reports the bundle's size).
  const schedule = Schedule.makeWithState(
    { retries: 0, firstFailure: undefined as number | undefined },
    (now, failure: Failure, state) =>
      Effect.map(Random.next, (random) => {
        // Jitter (half to all of the doubled delay) spreads the retries of many
        // clients that failed together.
        const backoff = Math.min(baseDelay * 2 ** state.retries * (0.5 + 0.5 * random), maxDelay)
        const retryAfter = failure.retryAfter === undefined ? 0 : Duration.toMillis(failure.retryAfter)
        const start = now + Math.max(backoff, retryAfter)
        const firstFailure = state.firstFailure ?? now
        // No retry starts past the budget, counted from the first failure: a call
        // never sleeps past it only to give up.
        const retry =
          state.retries < retries &&
          (failure.retryAfter === undefined ||
            Duration.lessThanOrEqualTo(failure.retryAfter, maxRetryAfter)) &&
          start - firstFailure <= budget
        return [
          { retries: state.retries + 1, firstFailure },
          state.retries,
          retry ? ScheduleDecision.continueWith(ScheduleInterval.after(start)) : ScheduleDecision.done
        ] as const
      })
  )
  return { schedule, replayWrites: options.replayWrites ?? defaults.replayWrites }
}

/**
 * A policy from any schedule, for waits the options of {@link make} cannot express.
 * The safety rules still apply: only repeatable failures reach `schedule`, and
 * an attempt never starts before the last `Retry-After` has passed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchedule = (
  schedule: Schedule.Schedule<unknown, Failure>,
  options: { readonly replayWrites?: boolean | undefined } = {}
): Service => ({ schedule, replayWrites: options.replayWrites ?? false })

/**
 * Every failure surfaces at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const disabled: Service = fromSchedule(Schedule.stop)

/**
 * The policy every operation uses unless a Layer or the call's options replace it.
 * Without a Layer it is `make()`.
 *
 * @since 0.1.0
 * @category tags
 */
export class RetryPolicy extends Context.Reference<RetryPolicy>()("@effect-clerk/backend/RetryPolicy", {
  defaultValue: (): Service => make()
}) {}

/**
 * Replaces the policy of every operation run with this Layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never> => Layer.succeed(RetryPolicy, make(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerService = (service: Service): Layer.Layer<never> => Layer.succeed(RetryPolicy, service)

const idempotent: ReadonlyArray<HttpMethod> = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]

/**
 * The safety rule: may this failure be repeated without risking a second write?
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRepeatable = (failure: Failure, replayWrites: boolean): boolean =>
  failure.kind === "RateLimited" ||
  failure.kind === "NotConnected" ||
  replayWrites ||
  idempotent.includes(failure.method)
