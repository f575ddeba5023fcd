/**
 * The timeout of one attempt. `Effect.timeout` races the attempt against a
 * sleeping fiber, two forks and a join per attempt: a cost that shows against
 * a call as small as get-user.
 * On the live Clock, one forked attempt and one timer bound it the same way: the
 * attempt is interrupted (which aborts its socket) and a `TimeoutException`
 * takes its place. Any other Clock, such as `TestClock`, drives `Effect.timeout`.
 *
 * A transport that bounds the attempt itself (`UndiciHttpClient`) needs no fiber
 * at all: it reads the limit from `BoundedAttempt` in the context and fails its
 * own pending read when the limit passes. That fork is the dearest part of a
 * call after the socket itself. The operation adds the limit to the context in
 * the same step that adds its span as the parent: a second context change per
 * call, as `Effect.locally` on a FiberRef, showed in a get-user's time.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/** The longest delay `setTimeout` keeps; longer ones fire at once. */
const maxTimerMillis = 2 ** 31 - 1

/** Marks an `HttpClient` that runs each attempt under `BoundedAttempt` on its own. */
const BoundsAttempts: unique symbol = Symbol.for("@effect-clerk/backend/BoundsAttempts")

export const boundsAttempts = (client: object): boolean => BoundsAttempts in client

export const markBoundsAttempts = <C extends object>(client: C): C =>
  Object.assign(client, { [BoundsAttempts]: true })

/**
 * What an operation tells a transport that bounds attempts itself, for one
 * attempt: the milliseconds it may take, and that its body is read whole at
 * once, as bytes for a 2xx when `successAsBytes` (see `readAhead`) and as text
 * otherwise. Absent, the transport answers as any HttpClient does.
 */
export class BoundedAttempt extends Context.Tag("@effect-clerk/backend/BoundedAttempt")<
  BoundedAttempt,
  { readonly millis: number; readonly successAsBytes: boolean }
>() {}

export const timeoutException = (millis: number) =>
  new Cause.TimeoutException(`Operation timed out after '${Duration.format(Duration.millis(millis))}'`)

/**
 * The `BoundedAttempt` limit for `httpClient`, or `undefined` where `withTimeout` must
 * bound the attempt: a transport that does not bound it, a Clock other than the
 * live one (such as `TestClock`), or a limit longer than a timer holds.
 */
export const attemptTimeoutFor = (
  httpClient: object,
  clock: Clock.Clock,
  timeout: Duration.Duration
): number | undefined => {
  const millis = Duration.toMillis(timeout)
  return boundsAttempts(httpClient) && clock === liveClock && millis <= maxTimerMillis ? millis : undefined
}

/** Bounds `effect` by `timeout`, for an attempt its transport does not bound. */
export const withTimeout = <A, E>(
  effect: Effect.Effect<A, E>,
  timeout: Duration.Duration
): Effect.Effect<A, E | Cause.TimeoutException> =>
  Effect.clockWith((clock) => {
    const millis = Duration.toMillis(timeout)
    if (clock !== liveClock || millis > maxTimerMillis) {
      // On another Clock (`TestClock`), or past what a timer holds, the Clock's own sleep
      // bounds it: what `Effect.timeout` does, which a program would bundle only for this.
      const expired: Effect.Effect<Exit.Exit<A, E | Cause.TimeoutException>> = Effect.as(
        clock.sleep(timeout),
        Exit.fail(timeoutException(millis))
      )
      return Effect.flatten(Effect.race(Effect.exit(effect), expired))
    }
    // The fork carries the attempt's exit as its value, so a failed attempt is not
    // also logged as a fiber that failed unobserved (`Effect.timeout` does the same).
    return Effect.flatMap(Effect.fork(Effect.exit(effect)), (attempt) =>
      Effect.async<A, E | Cause.TimeoutException>((resume) => {
        const timer = setTimeout(() => {
          resume(Effect.zipRight(Fiber.interrupt(attempt), Effect.fail(timeoutException(millis))))
        }, millis)
        // Whichever comes first resumes; the fiber ignores a second call.
        attempt.addObserver((exit) => {
          clearTimeout(timer)
          resume(Exit.flatten(exit))
        })
        return Effect.suspend(() => {
          clearTimeout(timer)
          return Fiber.interrupt(attempt)
        })
      })
    )
  })
