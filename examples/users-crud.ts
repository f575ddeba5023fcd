/**
 * Create, read, update and delete a user.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/users-crud.ts
 *
 * Without CLERK_SECRET_KEY it runs against the in-memory emulator; with it, against
 * your Clerk instance (it creates one user and deletes it again).
 */
import { Users } from "@effect-clerk/backend"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { ClerkLive, runId } from "./support/clerk.js"

const program = Effect.gen(function* () {
  const created = yield* Users.create({
    emailAddress: [`ada+${runId}@example.com`],
    firstName: "Ada",
    lastName: "Lovelace",
    publicMetadata: { team: "engines" },
    skipPasswordRequirement: true
  })
  yield* Console.log(`created  ${created.id}  ${created.firstName} ${created.lastName}`)

  const fetched = yield* Users.get({ userId: created.id })
  const email = fetched.emailAddresses.find((address) => address.id === fetched.primaryEmailAddressId)
  yield* Console.log(
    `fetched  ${fetched.id}  <${email?.emailAddress}>  metadata ${JSON.stringify(fetched.publicMetadata)}`
  )

  const updated = yield* Users.update({ userId: created.id, firstName: "Augusta Ada", lastName: "King" })
  yield* Console.log(`updated  ${updated.id}  ${updated.firstName} ${updated.lastName}`)

  const deleted = yield* Users.delete({ userId: created.id })
  yield* Console.log(`deleted  ${deleted.id}  (deleted: ${deleted.deleted})`)

  // Reading it again is a typed ClerkNotFound: the deletion took effect.
  const gone = yield* Users.get({ userId: created.id }).pipe(
    Effect.as(false),
    Effect.catchTag("ClerkNotFound", () => Effect.succeed(true))
  )
  if (!gone) return yield* Effect.dieMessage(`${created.id} still exists after its deletion`)
  yield* Console.log(`verified ${created.id} is gone`)
})

program.pipe(Effect.provide(ClerkLive), NodeRuntime.runMain)
