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
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

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

export const withTimeout = <A, E>(
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
