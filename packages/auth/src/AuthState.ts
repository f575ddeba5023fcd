/**
 * What authenticating a request found: a signed-in session, a signed-in
 * machine (API key, M2M token, OAuth access token), or signed out with a reason.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { SessionClaims } from "./Claims.js"
import type { TokenVerificationReason, UnavailableReason } from "./Errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export type MachineTokenType = "api_key" | "m2m_token" | "oauth_token"

/**
 * @since 0.1.0
 * @category models
 */
export type TokenType = "session_token" | MachineTokenType

/**
 * A verified session token.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionAuth extends Data.TaggedClass("SessionAuth")<{
  readonly userId: string
  readonly sessionId: string
  /** The active organization, when the session has one. */
  readonly orgId: string | undefined
  readonly orgRole: string | undefined
  readonly claims: SessionClaims
}> {
  readonly tokenType = "session_token" as const
}

/**
 * A verified machine token.
 *
 * @since 0.1.0
 * @category models
 */
export class MachineAuth extends Data.TaggedClass("MachineAuth")<{
  readonly tokenType: MachineTokenType
  /** The token's id (`ak_…`, `mt_…`, `oat_…`, or a JWT's `jti`). */
  readonly id: string
  /** Who the token acts for: a user, an organization or a machine (`mch_…`). */
  readonly subject: string
  readonly scopes: ReadonlyArray<string>
  /** Custom claims the token was created with, when it has any. */
  readonly claims: unknown
}> {}

/**
 * Why a request is signed out. Reasons meaning "could not verify" are not
 * here: they fail the effect instead (see `isUnavailableReason`).
 *
 * @since 0.1.0
 * @category models
 */
export type SignedOutReason =
  | Exclude<TokenVerificationReason, UnavailableReason>
  | "MissingToken"
  | "TokenTypeNotAccepted"

/**
 * @since 0.1.0
 * @category models
 */
export class SignedOut extends Data.TaggedClass("SignedOut")<{
  readonly reason: SignedOutReason
  readonly message: string
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export type SignedIn = SessionAuth | MachineAuth

/**
 * @since 0.1.0
 * @category models
 */
export type AuthState = SignedIn | SignedOut

/**
 * @since 0.1.0
 * @category guards
 */
export const isSignedIn = (auth: AuthState): auth is SignedIn => auth._tag !== "SignedOut"
