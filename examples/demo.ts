/**
 * A tour of @effect-clerk/backend: users with emails and phones, metadata, search,
 * streaming, an organization with members, typed errors, and clean-up.
 *
 * By default it starts the in-memory Clerk emulator on 127.0.0.1 and talks to it
 * over real HTTP: no network, no secret key. With `CLERK_SECRET_KEY` set and the
 * `--real` flag it runs the same flow against Clerk's API (it creates and then
 * deletes two users and one organization in that instance).
 *
 *   pnpm demo
 *   CLERK_SECRET_KEY=sk_test_… pnpm demo --real
 */
import { ClerkClient, Organizations, OrganizationMemberships, Users } from "@effect-clerk/backend"
import { UndiciHttpClient } from "@effect-clerk/backend/node"
import { ClerkEmulator } from "@effect-clerk/testing"
import type { HttpClient } from "@effect/platform"
import { Chunk, type ConfigError, Console, Effect, Layer, Redacted, Stream } from "effect"

const runId = Date.now().toString(36)
const email = (name: string) => `${name}+${runId}@example.com`

const step = (title: string) => Console.log(`\n▸ ${title}`)
const line = (text: string) => Console.log(`  ${text}`)

const flow = Effect.gen(function* () {
  yield* step("Create users with emails and phones")
  const ada = yield* Users.create({
    emailAddress: [email("ada")],
    phoneNumber: ["+15555550100"],
    firstName: "Ada",
    lastName: "Lovelace",
    skipPasswordRequirement: true
  })
  const grace = yield* Users.create({
    emailAddress: [email("grace")],
    firstName: "Grace",
    lastName: "Hopper",
    skipPasswordRequirement: true
  })
  for (const user of [ada, grace]) {
    const primary = user.emailAddresses.find((address) => address.id === user.primaryEmailAddressId)
    yield* line(
      `${user.id}  ${user.firstName} ${user.lastName}  <${primary?.emailAddress}>  phones: ${user.phoneNumbers.length}`
    )
  }

  yield* step("Merge metadata (nested keys are user data and keep their spelling)")
  const updated = yield* Users.updateMetadata({
    userId: ada.id,
    publicMetadata: { plan: "pro", preferences: { darkMode: true } },
    privateMetadata: { stripe_customer: "cus_123" }
  })
  yield* line(
    `public: ${JSON.stringify(updated.publicMetadata)}  private: ${JSON.stringify(updated.privateMetadata)}`
  )

  yield* step("Search")
  const found = yield* Users.list({ query: "lovelace", orderBy: "-created_at", limit: 10 })
  yield* line(`query "lovelace" → ${found.map((user) => user.id).join(", ") || "nothing"}`)
  const count = yield* Users.count({ emailAddress: [email("ada"), email("grace")] })
  yield* line(`users with either email: ${count.totalCount}`)

  yield* step("Stream every user, page by page")
  const all = yield* Stream.runCollect(Users.stream({}, { pageSize: 1 }))
  yield* line(`streamed ${Chunk.size(all)} users with a page size of 1`)

  yield* step("Create an organization with memberships")
  const org = yield* Organizations.create({ name: `Analytical Engines ${runId}`, createdBy: ada.id })
  yield* OrganizationMemberships.create({ organizationId: org.id, userId: grace.id, role: "org:member" })
  const members = yield* OrganizationMemberships.list({ organizationId: org.id })
  yield* line(`${org.name} (${org.id}) has ${members.totalCount} members:`)
  for (const membership of members.data)
    yield* line(`  ${membership.publicUserData?.userId}  ${membership.role}`)

  yield* step("Typed errors, caught by tag")
  yield* Users.get({ userId: "user_does_not_exist" }).pipe(
    Effect.flatMap(() => line("unexpected: the user exists")),
    Effect.catchTag("ClerkNotFound", (error) => line(`ClerkNotFound: ${error.errors[0]?.code}`))
  )
  yield* Users.create({ emailAddress: [email("ada")], skipPasswordRequirement: true }).pipe(
    Effect.flatMap(() => line("unexpected: a duplicate email was accepted")),
    Effect.catchTag("ClerkUnprocessableEntity", (error) =>
      line(`ClerkUnprocessableEntity: ${error.errors[0]?.code}`)
    )
  )
  yield* Users.list({ limit: 501 }).pipe(
    Effect.flatMap(() => line("unexpected: limit 501 was sent")),
    Effect.catchTag("RequestValidationError", (error) =>
      line(`RequestValidationError on "${error.field}", nothing sent`)
    )
  )

  yield* step("Clean up")
  yield* Organizations.delete({ organizationId: org.id })
  for (const user of [ada, grace]) yield* Users.delete({ userId: user.id })
  const left = yield* Users.count({ emailAddress: [email("ada"), email("grace")] })
  yield* line(`deleted the organization and both users; ${left.totalCount} left`)
})

/** The emulator on a loopback port, and a client pointed at it. */
const againstEmulator = Layer.unwrapScoped(
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const server = yield* ClerkEmulator.serve()
    yield* Console.log(`Clerk emulator listening on ${server.apiUrl}`)
    return ClerkClient.layer({ secretKey: Redacted.make(emulator.secretKey), apiUrl: server.apiUrl })
  })
).pipe(Layer.provide(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make())))

const real = process.argv.includes("--real")
if (real && process.env.CLERK_SECRET_KEY === undefined) {
  console.error("--real needs CLERK_SECRET_KEY")
  process.exit(2)
}

const clerk: Layer.Layer<
  ClerkClient.ClerkClient,
  ClerkClient.InvalidClientOptions | ConfigError.ConfigError | ClerkEmulator.ServeError,
  HttpClient.HttpClient
> = real ? ClerkClient.layerConfig : againstEmulator

flow
  .pipe(
    Effect.provide(clerk.pipe(Layer.provide(UndiciHttpClient.layer))),
    Effect.tapErrorCause((cause) => Effect.logError("the demo failed", cause)),
    Effect.runPromise
  )
  .then(
    () => console.log("\nDone."),
    () => process.exit(1)
  )
