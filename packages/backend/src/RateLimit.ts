/**
 * Client-side rate limiting: keeps a process under a request budget so Clerk's
 * own limit (per instance: 1,000 requests per 10 seconds in production, 100 in
 * development) is rarely hit. Every attempt takes a permit, retries included.
 * Without a Layer nothing is limited. `RateLimitRedis` shares one budget among
 * many processes.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as RateLimiter from "effect/RateLimiter"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Runs `effect` once the budget allows one more request. */
  readonly limit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests per `interval`. */
  readonly limit: number
  readonly interval: Duration.DurationInput
  /** Default `"fixed-window"`. */
  readonly algorithm?: "fixed-window" | "token-bucket" | undefined
}

/**
 * Clerk's documented limits per instance.
 *
 * @since 0.1.0
 * @category constants
 */
export const clerkLimits = {
  production: { limit: 1000, interval: "10 seconds" },
  development: { limit: 100, interval: "10 seconds" }
} as const satisfies Record<string, Options>

/**
 * @since 0.1.0
 * @category tags
 */
export class RateLimit extends Context.Reference<RateLimit>()("@effect-clerk/backend/RateLimit", {
  defaultValue: (): Service => ({ limit: identity })
}) {}

/**
 * A rate limit layer was given a budget it cannot keep: `limit` must be a whole
 * number above 0, `interval` a finite duration above zero, `algorithm` one of
 * the two named. The message names the option and the value.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRateLimitOptions extends Data.TaggedError("InvalidRateLimitOptions")<{
  readonly message: string
}> {}

/**
 * A budget as the limiters keep it: `Options` checked, the interval a
 * `Duration`, the algorithm chosen.
 *
 * @since 0.1.0
 * @category models
 */
export interface Budget {
  readonly limit: number
  readonly interval: Duration.Duration
  readonly algorithm: "fixed-window" | "token-bucket"
}

const Interval = Schema.declare(
  (input: unknown): input is Duration.DurationInput =>
    Option.match(Duration.decodeUnknown(input), {
      onNone: () => false,
      onSome: (duration) => Duration.isFinite(duration) && Duration.greaterThan(duration, Duration.zero)
    }),
  { description: 'a finite duration above zero, such as "10 seconds" or 10000 (milliseconds)' }
)

const decodeOptions = Schema.decodeUnknown(
  Schema.Struct({
    limit: Schema.Int.pipe(Schema.positive()),
    interval: Interval,
    algorithm: Schema.optional(Schema.Literal("fixed-window", "token-bucket"))
  }),
  { errors: "all" }
)

/**
 * The budget of `options`, checked before any request is made: a limiter given
 * a budget it cannot keep (no requests, a fraction of one, an interval of zero
 * or of forever) would stall every call or let all of them through. Plain
 * JavaScript callers can pass anything, so the check reads `options` as unknown.
 * `RateLimitRedis` checks its budget with the same rule.
 *
 * @since 0.1.0
 * @category constructors
 */
export const checkOptions = (options: Options): Effect.Effect<Budget, InvalidRateLimitOptions> =>
  decodeOptions(options).pipe(
    Effect.map(
      ({ algorithm, interval, limit }): Budget => ({
        limit,
        interval: Duration.decode(interval),
        algorithm: algorithm ?? "fixed-window"
      })
    ),
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const described = issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      return new InvalidRateLimitOptions({ message: `Invalid rate limit options: ${described.join("; ")}` })
    })
  )

/**
 * Keeps this process under `limit` requests per `interval`, using Effect's `RateLimiter`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimit, InvalidRateLimitOptions> =>
  Layer.scoped(
    RateLimit,
    Effect.flatMap(checkOptions(options), (budget) =>
      Effect.map(RateLimiter.make(budget), (limiter): Service => ({ limit: limiter }))
    )
  )
