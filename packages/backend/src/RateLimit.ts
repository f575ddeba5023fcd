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
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/RateLimiter"

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
 * Keeps this process under `limit` requests per `interval`, using Effect's `RateLimiter`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options) =>
  Layer.scoped(
    RateLimit,
    Effect.map(
      RateLimiter.make({
        limit: options.limit,
        interval: options.interval,
        algorithm: options.algorithm ?? "fixed-window"
      }),
      (limiter): Service => ({ limit: limiter })
    )
  )
