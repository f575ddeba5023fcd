/**
 * The SDK's entry for Node: the fast transport by name, next to what the
 * package index exports. Kept out of the index, which browser and edge programs
 * import too, because it needs Node and `undici`.
 *
 * ```ts
 * import { ClerkClient } from "@effect-clerk/backend"
 * import { UndiciHttpClient } from "@effect-clerk/backend/node"
 *
 * const Clerk = ClerkClient.layerConfig.pipe(Layer.provide(UndiciHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
