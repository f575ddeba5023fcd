/**
 * Why a token or a webhook was refused. Every refusal is one tagged error with a
 * `reason`, so callers can `catchTag` once and still switch on the cause.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The reasons a token fails verification. `JwksUnavailable`, `InvalidKey` and
 * `BackendUnavailable` say nothing about the token: verification could not be
 * done, so `authenticateRequest` reports them as failures, not as signed out.
 *
 * - `KeyNotForSigning`: the token names a JWKS key whose `use` is not `sig`.
 * - `InvalidAudience`: `audience` is set and the token's `aud` names none of it.
 * - `MissingAuthorizedParty`: `authorizedParties` is set and the token has no `azp`.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenVerificationReason =
  | "Malformed"
  | "UnsupportedAlgorithm"
  | "UnknownKid"
  | "KeyNotForSigning"
  | "InvalidSignature"
  | "InvalidClaims"
  | "TokenExpired"
  | "TokenNotActiveYet"
  | "TokenIssuedInFuture"
  | "InvalidAudience"
  | "InvalidAuthorizedParty"
  | "MissingAuthorizedParty"
  | "InvalidIssuer"
  | "TokenRevoked"
  | "TokenNotFound"
  | "JwksUnavailable"
  | "InvalidKey"
  | "BackendUnavailable"

/**
 * The reasons that mean "could not verify" rather than "the token is bad".
 *
 * @since 0.1.0
 * @category models
 */
export type UnavailableReason = "JwksUnavailable" | "InvalidKey" | "BackendUnavailable"

/**
 * @since 0.1.0
 * @category guards
 */
export const isUnavailableReason = (reason: TokenVerificationReason): reason is UnavailableReason =>
  reason === "JwksUnavailable" || reason === "InvalidKey" || reason === "BackendUnavailable"

/**
 * @since 0.1.0
 * @category errors
 */
export class TokenVerificationError extends Data.TaggedError("TokenVerificationError")<{
  readonly reason: TokenVerificationReason
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export type WebhookVerificationReason =
  | "MissingHeaders"
  | "InvalidTimestamp"
  | "TimestampTooOld"
  | "TimestampTooNew"
  | "InvalidSecret"
  | "InvalidSignature"
  | "InvalidPayload"

/**
 * @since 0.1.0
 * @category errors
 */
export class WebhookVerificationError extends Data.TaggedError("WebhookVerificationError")<{
  readonly reason: WebhookVerificationReason
  readonly message: string
  readonly cause?: unknown
}> {}
