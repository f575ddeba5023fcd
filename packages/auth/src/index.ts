/**
 * Clerk session and machine token verification, webhooks and middleware for Effect.
 *
 * @since 0.1.0
 */
export * from "./AuthState.js"
export * as Authorization from "./Authorization.js"
export * from "./Claims.js"
export * as ClerkAuth from "./ClerkAuth.js"
export * from "./Errors.js"
export * as JwksCache from "./JwksCache.js"
export * from "./Jwt.js"
export * from "./Middleware.js"
export * from "./SessionToken.js"
export * as WebhookEvents from "./WebhookEvents.js"
export * as Webhooks from "./Webhooks.js"
