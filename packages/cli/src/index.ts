/**
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * @since 0.1.0
 */
export * as Exporter from "./Exporter.js"

/**
 * @since 0.1.0
 */
export * as ImportRow from "./ImportRow.js"

/**
 * @since 0.1.0
 */
export * as Importer from "./Importer.js"

/**
 * @since 0.1.0
 */
export * as Ledger from "./Ledger.js"

/**
 * @since 0.1.0
 */
export * as Queue from "./Queue.js"

/**
 * @since 0.1.0
 */
export * as Source from "./Source.js"
