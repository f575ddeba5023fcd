import { Cause, Effect, Exit, Option, type Schema } from "effect"
import { ClerkApiError } from "./errors.js"
import type { SigningKeys } from "./keys.js"
import type { OperationId, params } from "./operations.js"
import type { Store } from "./store.js"

/** What every handler works on besides its params. */
export interface HandlerContext {
  readonly store: Store
  readonly keys: SigningKeys
  /** The answer of the generic store to this request, for handlers that add a rule to it. */
  readonly generic: Effect.Effect<unknown, ClerkApiError>
}

/** The decoded (camelCase) params of an operation, as its params schema in `@effect-clerk/backend` types them. */
export type Params<Id extends OperationId> = Schema.Schema.Type<(typeof params)[Id]>

/**
 * Answers the 200 body of an operation from its decoded params, or fails with a
 * Clerk error. The router runs it without yielding to another request (see
 * `app.ts`), so a handler that does nothing asynchronous changes the store in
 * one step.
 */
export type Handler<Id extends OperationId> = (
  params: Params<Id>,
  ctx: HandlerContext
) => Effect.Effect<unknown, ClerkApiError>

/** A resource module's handlers, by the operationIds it answers. */
export type Handlers = { readonly [Id in OperationId]?: Handler<Id> }

/** The raw request a handler not yet reading decoded params gets. */
export interface RawContext {
  readonly store: Store
  readonly keys: SigningKeys
  readonly params: Record<string, string>
  readonly query: URLSearchParams
  readonly body: unknown
}

/** Answers the 200 body of an operation, or fails with a Clerk error. */
export type RawHandler = (ctx: RawContext) => Effect.Effect<unknown, ClerkApiError>

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
  <A>(f: (ctx: RawContext) => A): ((ctx: RawContext) => Effect.Effect<A, ClerkApiError>) =>
  (ctx) =>
    attempt(() => f(ctx))

/**
 * Runs a converted helper from a handler that still throws: its failure is
 * thrown for `attempt` to catch. Goes once the last such handler is converted.
 */
export const runNow = <A>(effect: Effect.Effect<A, ClerkApiError>): A => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw Cause.squash(exit.cause)
}

export const param = (ctx: RawContext, name: string): string => ctx.params[name] ?? ""
