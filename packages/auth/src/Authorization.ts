/**
 * "May this caller do this?": `has` answers for a role, a permission, a
 * feature, a plan or a recent reverification, with the answers Clerk's `has()`
 * gives for the same session claims.
 *
 * @since 0.2.0
 */
import type { AuthState } from "./AuthState.js"

/**
 * @since 0.2.0
 * @category models
 */
export type ReverificationLevel = "first_factor" | "second_factor" | "multi_factor"

/**
 * How recently the user must have verified a factor: a preset (`strict_mfa`:
 * both factors within 10 minutes; `strict`: the second factor within 10;
 * `moderate`: within 60; `lax`: within a day) or a level and a number of minutes.
 *
 * @since 0.2.0
 * @category models
 */
export type Reverification =
  | "strict_mfa"
  | "strict"
  | "moderate"
  | "lax"
  | { readonly level: ReverificationLevel; readonly afterMinutes: number }

/**
 * What a caller must have. Every key given must hold; at least one key must be given.
 *
 * - `role`: the role in the active organization (`org:admin`; the `org:` prefix may be left out).
 * - `permission`: a permission in the active organization (`org:invoices:read`).
 * - `feature`, `plan`: a billing entitlement; `name` looks at the user's and the
 *   organization's, `u:name`/`user:name` at the user's, `o:name`/`org:name` at the organization's.
 * - `reverification`: see `Reverification`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Requirement {
  readonly role?: string | undefined
  readonly permission?: string | undefined
  readonly feature?: string | undefined
  readonly plan?: string | undefined
  readonly reverification?: Reverification | undefined
}

/**
 * Whether `auth` meets `requirement`. Only session tokens can: machine tokens
 * and signed-out callers never do, and neither does a requirement with no key.
 *
 * For instance:
 *
 * ```ts
 * if (!has(auth, { permission: "org:invoices:read" })) return yield* new Forbidden()
 * ```
 *
 * @since 0.2.0
 * @category authorization
 */
export const has = (auth: AuthState, requirement: Requirement): boolean => auth.has(requirement)
