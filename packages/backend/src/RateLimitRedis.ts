/**
 * A request budget shared through Redis by every process that uses the same
 * Clerk instance, so that together they stay under Clerk's per-instance limit.
 * A separate entry point (`@effect-clerk/backend/RateLimitRedis`): it needs the
 * optional peers `@effect/experimental` and `ioredis`, which the rest of the SDK
 * does not.
 *
 * @since 0.1.0
 */
import * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import * as RedisStore from "@effect/experimental/RateLimiter/Redis"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RedisOptions } from "ioredis"
import {
  type Budget,
  checkOptions,
  type InvalidRateLimitOptions,
  RateLimit,
  type Service
} from "./RateLimit.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests per `interval`, for all processes together. */
  readonly limit: number
  readonly interval: Duration.DurationInput
  /**
   * Names the budget in Redis: processes that talk to the same Clerk instance
   * must use the same key, and different instances different keys.
   */
  readonly key: string
  /** How to reach Redis (ioredis options: host, port, password, tls, ...). */
  readonly redis: RedisOptions & { readonly prefix?: string | undefined }
  /** Default `"fixed-window"`. */
  readonly algorithm?: "fixed-window" | "token-bucket" | undefined
}

/**
 * The Redis store keeps a fixed window as a counter whose expiry it moves by
 * `window / limit` per request with `PX`, which takes whole milliseconds only:
 * with a fraction (3 per second is 333.3 ms each) every permit failed. The
 * window is stretched to the next whole step instead (3 per 1,002 ms), which
 * can only make the budget stricter, by less than a millisecond per request.
 */
const wholeMillisecondSteps = (budget: Budget): Duration.Duration => {
  const step = Math.ceil(Duration.toMillis(budget.interval) / budget.limit)
  return Duration.millis(step * budget.limit)
}

/**
 * Each attempt takes a permit from the shared budget, waiting when it is spent.
 * If Redis cannot be reached the request goes ahead and a warning is logged:
 * an outage of the limiter must not stop calls to Clerk, whose own 429 answers
 * and the retry policy remain in force. A budget it cannot keep fails the layer
 * (see `RateLimit.checkOptions`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<never, InvalidRateLimitOptions> =>
  Layer.effect(
    RateLimit,
    Effect.zipWith(checkOptions(options), ExperimentalRateLimiter.makeSleep, (budget, sleep): Service => {
      const permit = sleep({
        key: options.key,
        limit: budget.limit,
        window: budget.algorithm === "fixed-window" ? wholeMillisecondSteps(budget) : budget.interval,
        algorithm: budget.algorithm
      }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("Clerk rate limiter unavailable; sending without a permit", error)
        )
      )
      return { limit: (effect) => Effect.zipRight(permit, effect) }
    })
  ).pipe(Layer.provide(ExperimentalRateLimiter.layer), Layer.provide(RedisStore.layerStore(options.redis)))
