/**
 * List one page of users, then stream every user across all pages.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/list-and-stream.ts
 *
 * It creates three users first (and deletes them at the end, even when a step
 * fails), so there is something to page through on an empty instance.
 */
import { Users } from "@effect-clerk/backend"
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Stream } from "effect"
import { ClerkLive, runId } from "./support/clerk.js"

const names = ["ada", "grace", "katherine"]

/** Users that exist for the scope's lifetime. */
const seedUsers = Effect.acquireRelease(
  Effect.forEach(names, (name) =>
    Users.create({
      emailAddress: [`${name}+${runId}@example.com`],
      firstName: name,
      skipPasswordRequirement: true
    })
  ),
  (users) =>
    Effect.orDie(Effect.forEach(users, (user) => Users.delete({ userId: user.id }), { discard: true }))
)

const program = Effect.gen(function* () {
  const seeded = yield* seedUsers
  const emailAddress = names.map((name) => `${name}+${runId}@example.com`)

  // One page, as the API shapes it: here an array of at most `limit` users.
  const page = yield* Users.list({ emailAddress, orderBy: "-created_at", limit: 2 })
  yield* Console.log(`first page (limit 2): ${page.map((user) => user.firstName).join(", ")}`)

  // Every user across all pages; the next page is requested while this one is consumed.
  const all = yield* Users.stream({ emailAddress, orderBy: "created_at" }, { pageSize: 2 }).pipe(
    Stream.tap((user) => Console.log(`streamed ${user.id}  ${user.firstName}`)),
    Stream.runCollect
  )
  yield* Console.log(`streamed ${Chunk.size(all)} of the ${seeded.length} users in pages of 2`)
  if (Chunk.size(all) !== seeded.length) return yield* Effect.dieMessage("the stream missed users")
})

program.pipe(Effect.scoped, Effect.provide(ClerkLive), NodeRuntime.runMain)
