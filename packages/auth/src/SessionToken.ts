/**
 * Verifies Clerk session tokens (the `__session` cookie, or `Authorization:
 * Bearer` from another origin): RS256 signature, `exp`/`nbf`/`iat` with clock
 * skew, issuer and authorized party.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { SessionClaims } from "./Claims.js"
import type { TokenVerificationError } from "./Errors.js"
import { JwksCache } from "./JwksCache.js"
import type { AudienceOption, IssuerOption } from "./internal/jwt.js"
import { importJwtKey, jwksResolver, verifySession } from "./internal/session.js"

export type {
  /**
   * The audience(s) `verifyToken` accepts.
   *
   * @since 0.2.0
   * @category options
   */
  AudienceOption,
  /**
   * The issuer(s) `verifyToken` trusts.
   *
   * @since 0.2.0
   * @category options
   */
  IssuerOption
} from "./internal/jwt.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface VerifyTokenOptions {
  /**
   * The origins allowed in `azp` (e.g. `["https://app.example.com"]`). When set,
   * a token carrying another `azp` or none at all is refused, as in Clerk's SDKs.
   */
  readonly authorizedParties?: ReadonlyArray<string> | undefined
  /**
   * The audience(s) to accept. When set, a token whose `aud` names none of them
   * is refused; a token without `aud` passes, as in Clerk's SDKs.
   */
  readonly audience?: AudienceOption | undefined
  /**
   * The trusted issuer(s). Defaults to any Clerk instance issuer
   * (`https://clerk.<domain>`, `https://<slug>.clerk.accounts.dev`); set it to
   * your instance's Frontend API URL to trust that instance only.
   */
  readonly issuer?: IssuerOption | undefined
  /** Allowed drift between Clerk's clock and ours. Defaults to 5 seconds. */
  readonly clockSkew?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NetworklessOptions extends VerifyTokenOptions {
  /** The instance's PEM public key, from the dashboard's API keys page (`CLERK_JWT_KEY`). */
  readonly jwtKey: string | Redacted.Redacted<string>
}

/**
 * Verifies a session token. With `jwtKey` it needs nothing else; without, it
 * takes the key named by the token's `kid` from the `JwksCache`.
 *
 * For instance:
 *
 * ```ts
 * const claims = yield* verifyToken(token, { authorizedParties: ["https://app.example.com"] })
 * //    ^? SessionClaims: sub (the user id), sid, o (active organization), ...
 * ```
 *
 * @since 0.1.0
 * @category verification
 */
export function verifyToken(
  token: string,
  options: NetworklessOptions
): Effect.Effect<SessionClaims, TokenVerificationError>
export function verifyToken(
  token: string,
  options?: VerifyTokenOptions
): Effect.Effect<SessionClaims, TokenVerificationError, JwksCache>
export function verifyToken(
  token: string,
  options: VerifyTokenOptions & { readonly jwtKey?: string | Redacted.Redacted<string> } = {}
): Effect.Effect<SessionClaims, TokenVerificationError, JwksCache> {
  const { jwtKey } = options
  if (jwtKey !== undefined) {
    return Effect.flatMap(importJwtKey(jwtKey), (key) =>
      verifySession(token, () => Effect.succeed(key), options)
    )
  }
  return Effect.flatMap(JwksCache, (cache) => verifySession(token, jwksResolver(cache), options))
}
