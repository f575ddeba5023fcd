/**
 * The in-memory Clerk Backend API emulator, as a Layer or an HTTP server.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as ClerkEmulator from "./ClerkEmulator.js"
