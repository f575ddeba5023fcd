import { ClerkClient, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

// Your code under test: deactivates a user by banning them.
const deactivate = (userId: string) => Users.ban({ userId })

const TestClerk = ClerkClient.layer({ secretKey: Redacted.make("sk_test_emulator") }).pipe(
  Layer.provideMerge(ClerkEmulator.layer)
)

it.effect("bans the user", () =>
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"] })

    yield* deactivate(ada.id)

    const { users } = yield* emulator.snapshot
    expect(users.find((user) => user.id === ada.id)?.banned).toBe(true)
  }).pipe(Effect.provide(TestClerk))
)
