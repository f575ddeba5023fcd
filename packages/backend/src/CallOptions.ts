/**
 * The optional second argument of every operation: `Users.get({ userId }, { timeout: "5 seconds" })`.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as RetryPolicy from "./RetryPolicy.js"

/**
 * Settings for one call; each replaces the one its Layer set.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** This call's retry policy, e.g. `RetryPolicy.make({ maxAttempts: 2 })` or `RetryPolicy.disabled`. */
  readonly retry?: RetryPolicy.Service | undefined
  /** How long each attempt may take. */
  readonly timeout?: Duration.DurationInput | undefined
}
