/**
 * JWT verification: `jose` checks the RS256 signature, everything else (time,
 * issuer, authorized party, claim shapes) is checked here against Effect's
 * `Clock`, so each refusal gets its own reason and tests can move time.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type CryptoKey, compactVerify, decodeProtectedHeader, errors } from "jose"
import { JwtClaims } from "../Claims.js"
import { TokenVerificationError, type TokenVerificationReason } from "../Errors.js"

/** Clerk signs with RS256 only; accepting anything else invites algorithm confusion. */
const algorithm = "RS256"

export const refuse = (reason: TokenVerificationReason, message: string, cause?: unknown) =>
  new TokenVerificationError({ reason, message, ...(cause === undefined ? {} : { cause }) })

export interface Header {
  readonly alg: string
  readonly kid: string | undefined
  readonly typ: string | undefined
}

/** Reads the unverified header: only to pick the key and refuse other algorithms early. */
export const readHeader = (token: string): Effect.Effect<Header, TokenVerificationError> =>
  Effect.try({
    try: () => {
      if (token.split(".").length !== 3) throw new Error("not three dot-separated parts")
      return decodeProtectedHeader(token)
    },
    catch: (cause) => refuse("Malformed", "the token is not a compact JWS", cause)
  }).pipe(
    Effect.flatMap((header) =>
      header.alg === algorithm
        ? Effect.succeed({ alg: header.alg, kid: header.kid, typ: header.typ })
        : Effect.fail(refuse("UnsupportedAlgorithm", `alg ${String(header.alg)} is not ${algorithm}`))
    )
  )

const signatureFailure = (cause: unknown): TokenVerificationError => {
  if (cause instanceof errors.JWSSignatureVerificationFailed) {
    return refuse("InvalidSignature", "the signature does not match the key", cause)
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) return refuse("UnsupportedAlgorithm", cause.message, cause)
  if (cause instanceof errors.JWSInvalid) return refuse("Malformed", cause.message, cause)
  return refuse("InvalidSignature", "the key cannot verify this token", cause)
}

const decodeClaims = Schema.decodeUnknown(Schema.parseJson(JwtClaims))

/** Checks the signature with `key`, then decodes the payload it protects. */
export const verifySignature = (
  token: string,
  key: CryptoKey
): Effect.Effect<JwtClaims, TokenVerificationError> =>
  Effect.tryPromise({
    try: () => compactVerify(token, key, { algorithms: [algorithm] }),
    catch: signatureFailure
  }).pipe(
    Effect.flatMap(({ payload }) =>
      decodeClaims(new TextDecoder().decode(payload)).pipe(
        Effect.mapError((cause) => refuse("InvalidClaims", "the payload lacks the registered claims", cause))
      )
    )
  )

/**
 * `exp`, `nbf` and `iat` against the `Clock`, each allowed `skew` of drift between
 * Clerk's clock and ours.
 */
export const checkTime = (
  claims: JwtClaims,
  skew: Duration.Duration
): Effect.Effect<void, TokenVerificationError> =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => {
    const now = millis / 1000
    const tolerance = Duration.toSeconds(skew)
    if (claims.exp + tolerance <= now) {
      return Effect.fail(
        refuse("TokenExpired", `the token expired at ${new Date(claims.exp * 1000).toISOString()}`)
      )
    }
    if (claims.nbf !== undefined && claims.nbf - tolerance > now) {
      return Effect.fail(
        refuse(
          "TokenNotActiveYet",
          `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`
        )
      )
    }
    if (claims.iat - tolerance > now) {
      return Effect.fail(
        refuse("TokenIssuedInFuture", `the token was issued in the future (iat ${claims.iat})`)
      )
    }
    return Effect.void
  })

/**
 * Which issuers to trust: exact issuers, a predicate, or (the default) any
 * issuer shaped like a Clerk instance.
 */
export type IssuerOption = string | ReadonlyArray<string> | ((issuer: string) => boolean)

/** `https://clerk.<domain>` (production) or `https://<slug>.clerk.accounts.dev` (development). */
export const isClerkIssuer = (issuer: string): boolean => {
  if (!URL.canParse(issuer)) return false
  const url = new URL(issuer)
  const bare =
    url.pathname === "/" && url.search === "" && url.hash === "" && url.port === "" && !issuer.endsWith("/")
  const host = url.hostname
  const clerkHost =
    /^clerk\.[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) || /^[a-z0-9-]+\.clerk\.accounts\.dev$/.test(host)
  return url.protocol === "https:" && bare && url.username === "" && clerkHost
}

const issuerAccepted = (issuer: string, option: IssuerOption | undefined): boolean => {
  if (option === undefined) return isClerkIssuer(issuer)
  if (typeof option === "string") return issuer === option
  if (typeof option === "function") return option(issuer)
  return option.includes(issuer)
}

export const checkIssuer = (
  claims: JwtClaims,
  option: IssuerOption | undefined
): Effect.Effect<void, TokenVerificationError> =>
  issuerAccepted(claims.iss, option)
    ? Effect.void
    : Effect.fail(refuse("InvalidIssuer", `the issuer ${claims.iss} is not trusted`))

/**
 * Clerk's rule: a token without `azp` passes (non-browser clients), a token with
 * one must name an authorized party when any are configured.
 */
export const checkAuthorizedParty = (
  claims: JwtClaims,
  authorizedParties: ReadonlyArray<string>
): Effect.Effect<void, TokenVerificationError> =>
  claims.azp === undefined || authorizedParties.length === 0 || authorizedParties.includes(claims.azp)
    ? Effect.void
    : Effect.fail(refuse("InvalidAuthorizedParty", `azp ${claims.azp} is not an authorized party`))

/** Finds the key for a token's `kid`; a PEM key ignores it, a JWKS looks it up. */
export type KeyResolver = (kid: string | undefined) => Effect.Effect<CryptoKey, TokenVerificationError>

export interface JwtOptions {
  readonly issuer?: IssuerOption | undefined
  readonly clockSkew: Duration.Duration
}

/** Header, signature, then claims: nothing in the payload is trusted before the signature is. */
export const verifyJwt = (
  token: string,
  keyFor: KeyResolver,
  options: JwtOptions
): Effect.Effect<{ readonly header: Header; readonly claims: JwtClaims }, TokenVerificationError> =>
  Effect.gen(function* () {
    const header = yield* readHeader(token)
    const key = yield* keyFor(header.kid)
    const claims = yield* verifySignature(token, key)
    yield* checkTime(claims, options.clockSkew)
    yield* checkIssuer(claims, options.issuer)
    return { header, claims }
  })
