import type { Effect, Schema } from "effect"
import type { ClerkApiError } from "./errors.js"
import type { SigningKeys } from "./keys.js"
import type { OperationId, params } from "./generated/operations.js"
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
