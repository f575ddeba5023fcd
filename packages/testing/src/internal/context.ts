import { Effect } from "effect"
import { ClerkApiError } from "./errors.js"
import type { SigningKeys } from "./keys.js"
import type { Store } from "./store.js"

export interface HandlerContext {
  readonly store: Store
  readonly keys: SigningKeys
  readonly params: Record<string, string>
  readonly query: URLSearchParams
  readonly body: unknown
  /** The request's bearer token: an M2M token is created by the machine whose secret key sent it. */
  readonly bearer?: string | undefined
}

/** Answers the 200 body of an operation, or fails with a Clerk error. */
export type Handler = (ctx: HandlerContext) => Effect.Effect<unknown, ClerkApiError>

/**
 * Runs synchronous emulator code in one step (no fiber yields), which is what
 * keeps each request's store mutations atomic. Anything other than a
 * ClerkApiError is a bug in the emulator and becomes a defect.
 */
export const attempt = <A>(f: () => A): Effect.Effect<A, ClerkApiError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      return error instanceof ClerkApiError ? Effect.fail(error) : Effect.die(error)
    }
  })

/** Lifts a synchronous handler (see `attempt`). */
export const sync =
  <A>(f: (ctx: HandlerContext) => A): ((ctx: HandlerContext) => Effect.Effect<A, ClerkApiError>) =>
  (ctx) =>
    attempt(() => f(ctx))

export const param = (ctx: HandlerContext, name: string): string => ctx.params[name] ?? ""
