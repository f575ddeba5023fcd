import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { type CryptoKey, importSPKI } from "jose"
import { type JwtClaims, SessionClaims } from "../Claims.js"
import type { TokenVerificationError } from "../Errors.js"
import type { JwksCache } from "../JwksCache.js"
import { checkAuthorizedParty, type IssuerOption, type KeyResolver, refuse, verifyJwt } from "./jwt.js"

export interface SessionOptions {
  readonly authorizedParties?: ReadonlyArray<string> | undefined
  readonly issuer?: IssuerOption | undefined
  readonly clockSkew?: Duration.DurationInput | undefined
}

export const defaultClockSkew = Duration.seconds(5)

const decodeSession = Schema.decodeUnknown(SessionClaims)

/** A verified JWT is a session token once its `azp` is authorized and it names a session. */
export const sessionClaims = (
  claims: JwtClaims,
  options: SessionOptions
): Effect.Effect<SessionClaims, TokenVerificationError> =>
  checkAuthorizedParty(claims, options.authorizedParties ?? []).pipe(
    Effect.zipRight(
      decodeSession(claims).pipe(
        Effect.mapError((cause) =>
          refuse("InvalidClaims", "the token is not a session token (no sid)", cause)
        )
      )
    )
  )

export const verifySession = (
  token: string,
  keyFor: KeyResolver,
  options: SessionOptions
): Effect.Effect<SessionClaims, TokenVerificationError> =>
  verifyJwt(token, keyFor, {
    issuer: options.issuer,
    clockSkew: Duration.decode(options.clockSkew ?? defaultClockSkew)
  }).pipe(Effect.flatMap(({ claims }) => sessionClaims(claims, options)))

/** The instance's PEM public key (the dashboard's "JWT public key"), for networkless verification. */
export const importJwtKey = (
  jwtKey: string | Redacted.Redacted<string>
): Effect.Effect<CryptoKey, TokenVerificationError> =>
  Effect.tryPromise({
    try: () => importSPKI((Redacted.isRedacted(jwtKey) ? Redacted.value(jwtKey) : jwtKey).trim(), "RS256"),
    catch: (cause) => refuse("InvalidKey", "jwtKey is not a PEM-encoded RSA public key", cause)
  })

/** Picks the key named by the token's `kid`; a token without one cannot pick from a set. */
export const jwksResolver =
  (cache: JwksCache["Type"]): KeyResolver =>
  (kid) =>
    kid === undefined ? Effect.fail(refuse("UnknownKid", "the token has no kid")) : cache.getKey(kid)
