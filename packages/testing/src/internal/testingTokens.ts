/**
 * Testing tokens as Clerk mints them (the spec's example shows both facts): the
 * token starts with the second it was issued, and it expires an hour later,
 * `expires_at` in seconds.
 */
import { type Handler, sync } from "./context.js"
import { randomBase62 } from "./ids.js"

const lifetimeSeconds = 3600

export const handlers: Record<string, Handler> = {
  CreateTestingToken: sync((ctx) => {
    const issued = Math.floor(ctx.store.now() / 1000)
    return {
      object: "testing_token",
      token: `${issued}-${randomBase62(43)}`,
      expires_at: issued + lifetimeSeconds
    }
  })
}
