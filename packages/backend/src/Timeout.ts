/**
 * How long one attempt of a call may take, from sending the request to the end
 * of the answer's body. A timed-out attempt is interrupted, which aborts its
 * socket, and fails with `TimeoutException` (repeated only where that is safe,
 * see `RetryPolicy`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"

/**
 * The default is long enough for a large upload and short enough that a
 * connection that hangs does not hold a fiber for the hour undici would wait.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(60)

/**
 * The per-attempt timeout of every operation unless a Layer or the call's
 * options replace it.
 *
 * @since 0.1.0
 * @category tags
 */
export class Timeout extends Context.Reference<Timeout>()("@effect-clerk/backend/Timeout", {
  defaultValue: (): Duration.Duration => defaultTimeout
}) {}

/**
 * Sets the per-attempt timeout of every operation run with this Layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (timeout: Duration.DurationInput) => Layer.succeed(Timeout, Duration.decode(timeout))
