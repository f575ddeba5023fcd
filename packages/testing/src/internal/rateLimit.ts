import { Clock, Duration, Effect, Option } from "effect"

/** At most `limit` requests per `window`, as Clerk limits an instance's Backend API requests. */
export interface RateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * Answers `undefined` when a request may proceed, or the whole seconds until it may.
 * Runs in one synchronous step, so concurrent requests never both take the last slot.
 */
export type Limiter = Effect.Effect<number | undefined>

/** Why a `RateLimit` is unusable, or the window in milliseconds. */
export const validate = (rateLimit: RateLimit): { readonly windowMillis: number } | string => {
  const { limit } = rateLimit
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    return `rateLimit.limit must be a positive integer, got ${String(limit)}`
  }
  const window = Duration.decodeUnknown(rateLimit.window).pipe(
    Option.filter((d) => Duration.isFinite(d) && Duration.greaterThan(d, Duration.zero))
  )
  if (Option.isNone(window)) {
    return `rateLimit.window must be a positive, finite duration, got ${String(rateLimit.window)}`
  }
  return { windowMillis: Duration.toMillis(window.value) }
}

/**
 * A fixed window, as Clerk documents its limits: "N requests per 10 seconds",
 * and once refused, blocked until the window's end, which `Retry-After` names.
 * Time comes from the Clock, so tests can move it with TestClock.
 */
export const fixedWindow = (limit: number, windowMillis: number): Limiter => {
  let start = Number.NEGATIVE_INFINITY
  let count = 0
  return Effect.map(Clock.currentTimeMillis, (now) => {
    if (now >= start + windowMillis) {
      start = now
      count = 0
    }
    if (count < limit) {
      count++
      return undefined
    }
    return Math.max(1, Math.ceil((start + windowMillis - now) / 1000))
  })
}
