/**
 * Testing tokens as Clerk mints them (the spec's example shows both facts): the
 * token starts with the second it was issued, and it expires an hour later,
 * `expires_at` in seconds.
 */
import { Effect } from "effect"
import type { Handlers } from "../context.js"
import { randomBase62 } from "../ids.js"

const lifetimeSeconds = 3600

export const handlers: Handlers = {
  CreateTestingToken: (_, { store }) =>
    Effect.sync(() => {
      const issued = Math.floor(store.now() / 1000)
      return {
        object: "testing_token",
        token: `${issued}-${randomBase62(43)}`,
        expires_at: issued + lifetimeSeconds
      }
    })
}
