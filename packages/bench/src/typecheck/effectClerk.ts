/**
 * A user program on this SDK: the README's first example, then a use of what
 * it got. `typecheck.ts` type-checks it beside `clerkBackend.ts`, the same
 * program on `@clerk/backend`.
 */
import { ClerkClient, Organizations, Users } from "@effect-clerk/backend"
import { UndiciHttpClient } from "@effect-clerk/backend/node"
import { Chunk, Effect, Stream } from "effect"

export const program = Effect.gen(function* () {
  const user = yield* Users.create({ emailAddress: ["ada@example.com"], firstName: "Ada" })
  const same = yield* Users.get({ userId: user.id })
  const page = yield* Users.list({ limit: 100, orderBy: "-created_at" })
  const orgs = yield* Organizations.list({ limit: 10 })
  const all = yield* Stream.runCollect(Users.stream({ query: "ada" }))
  return {
    email: same.emailAddresses[0]?.emailAddress,
    names: page.map((user) => user.firstName),
    orgs: orgs.data.map((org) => org.name),
    total: orgs.totalCount,
    all: Chunk.size(all)
  }
}).pipe(
  Effect.catchTag("ClerkNotFound", (e) => Effect.as(Effect.logWarning(e.clerkTraceId), undefined)),
  Effect.provide(ClerkClient.layerConfig),
  Effect.provide(UndiciHttpClient.layer)
)
