/**
 * Recover from one typed error by its tag and let every other error through.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/catch-not-found.ts
 */
import { Users } from "@effect-clerk/backend"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { ClerkLive } from "./support/clerk.js"

/** A user that may not exist: `ClerkNotFound` becomes `None`; any other error stays in the error channel. */
const findUser = (userId: string) =>
  Users.get({ userId }).pipe(
    Effect.map(Option.some),
    Effect.catchTag("ClerkNotFound", (error) =>
      Console.log(
        `not found: ${error.errors[0]?.code} (clerk trace id ${error.clerkTraceId ?? "none"})`
      ).pipe(Effect.as(Option.none()))
    )
  )

const program = Effect.gen(function* () {
  const user = yield* findUser("user_2hTJ9kL0mN1oP2qR3sT4uV5wX6y")
  yield* Option.match(user, {
    onNone: () => Console.log("no such user: carrying on without one"),
    onSome: (found) => Console.log(`found ${found.id}`)
  })
})

program.pipe(Effect.provide(ClerkLive), NodeRuntime.runMain)
