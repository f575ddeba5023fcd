/**
 * What authenticating a request found: a signed-in session, a signed-in
 * machine (API key, M2M token, OAuth access token), or signed out with a reason.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Redacted from "effect/Redacted"
import type { Requirement } from "./Authorization.js"
import type { ActorClaim, SessionClaims } from "./Claims.js"
import type { TokenVerificationReason, UnavailableReason } from "./Errors.js"
import { check } from "./internal/authorization.js"

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
 * A verified session token, read the way Clerk's SDKs read it: version 2
 * claims (`o`, `fea`) and version 1 claims (`org_id`, `org_role`,
 * `org_permissions`, `org_slug`) give the same fields.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionAuth extends Data.TaggedClass("SessionAuth")<{
  readonly userId: string
  readonly sessionId: string
  /** `active`, or `pending` when the user still has a task to finish (only with `treatPendingAsSignedOut: false`). */
  readonly sessionStatus: string | undefined
  /** Who acts for the user, when someone impersonates them. */
  readonly actor: ActorClaim | undefined
  /** The active organization, when the session has one. */
  readonly orgId: string | undefined
  /** The role in the active organization, `org:` prefixed (`org:admin`). */
  readonly orgRole: string | undefined
  readonly orgSlug: string | undefined
  /** The permissions in the active organization (`org:<feature>:<permission>`). */
  readonly orgPermissions: ReadonlyArray<string> | undefined
  /** The billing features (`fea`): `scope:name` items, empty when none. */
  readonly features: string
  /** The billing plans (`pla`): `scope:name` items, empty when none. */
  readonly plans: string
  /** Minutes since the first and the second factor were verified (-1: not enabled). */
  readonly factorVerificationAge: readonly [number, number] | undefined
  readonly claims: SessionClaims
  /** The token as received, to call other services on the user's behalf. */
  readonly token: Redacted.Redacted<string>
}> {
  /**
   * @since 0.1.0
   */
  readonly tokenType = "session_token" as const

  /**
   * Whether this session meets `requirement` (see `Authorization.has`).
   *
   * @since 0.1.0
   */
  has(requirement: Requirement): boolean {
    return check(requirement, this)
  }
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
  /** The token as received. */
  readonly token: Redacted.Redacted<string>
}> {
  /**
   * Machine tokens carry no roles, permissions or entitlements: always `false`, as in Clerk's SDKs.
   *
   * @since 0.1.0
   */
  has(_requirement: Requirement): boolean {
    return false
  }
}

/**
 * Why a request is signed out. Reasons meaning "could not verify" are not
 * here: they fail the effect instead (see `isUnavailableReason`).
 *
 * - `SessionPending`: the session has a pending task (`sts: "pending"`).
 * - `MachineTokenInCookie`: a machine token came in the `__session` cookie;
 *   machine tokens are read from `Authorization` only.
 * - `ClientUatMissing`: a `__session` cookie without a `__client_uat` cookie, or with `0` (signed out in the browser).
 * - `TokenIssuedBeforeClientUat`: the cookie's token is older than the client's last sign-in or sign-out.
 * - `TokenTypeMismatch`: a JWT of another class (a JWT template) where a session token is expected.
 *
 * @since 0.1.0
 * @category models
 */
export type SignedOutReason =
  | Exclude<TokenVerificationReason, UnavailableReason>
  | "MissingToken"
  | "TokenTypeNotAccepted"
  | "TokenTypeMismatch"
  | "SessionPending"
  | "MachineTokenInCookie"
  | "ClientUatMissing"
  | "TokenIssuedBeforeClientUat"

/**
 * @since 0.1.0
 * @category models
 */
export class SignedOut extends Data.TaggedClass("SignedOut")<{
  readonly reason: SignedOutReason
  readonly message: string
}> {
  /**
   * A signed-out caller has nothing: always `false`.
   *
   * @since 0.1.0
   */
  has(_requirement: Requirement): boolean {
    return false
  }
}

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
