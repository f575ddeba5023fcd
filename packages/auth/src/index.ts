/**
 * Clerk session and machine token verification, webhooks and middleware for Effect.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 */
export * from "./AuthState.js"

/**
 * @since 0.2.0
 */
export * as Authorization from "./Authorization.js"

/**
 * @since 0.1.0
 */
export * from "./Claims.js"

/**
 * @since 0.1.0
 */
export * as ClerkAuth from "./ClerkAuth.js"

/**
 * @since 0.1.0
 */
export * from "./Errors.js"

/**
 * @since 0.1.0
 */
export * as JwksCache from "./JwksCache.js"

/**
 * @since 0.2.0
 */
export * from "./Jwt.js"

/**
 * @since 0.1.0
 */
export * from "./Middleware.js"

/**
 * @since 0.1.0
 */
export * from "./SessionToken.js"

/**
 * @since 0.1.0
 */
export * as WebhookEvents from "./generated/WebhookEvents.js"

/**
 * @since 0.1.0
 */
export * as Webhooks from "./Webhooks.js"
