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
  /** Clerk's token category: which class of JWT the instance key signed. */
  readonly cat: string | undefined
}

const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

/** The protected header, unverified; a member of the wrong type counts as absent. */
export const decodeHeader = (token: string): Effect.Effect<Header, TokenVerificationError> =>
  Effect.try({
    try: () => {
      if (token.split(".").length !== 3) throw new Error("not three dot-separated parts")
      return decodeProtectedHeader(token)
    },
    catch: (cause) => refuse("Malformed", "the token is not a compact JWS", cause)
  }).pipe(
    Effect.map((header) => ({
      alg: optionalString(header.alg) ?? "",
      kid: optionalString(header.kid),
      typ: optionalString(header.typ),
      cat: optionalString(header.cat)
    }))
  )

/** Reads the unverified header: only to pick the key and refuse other algorithms early. */
export const readHeader = (token: string): Effect.Effect<Header, TokenVerificationError> =>
  Effect.flatMap(decodeHeader(token), (header) =>
    header.alg === algorithm
      ? Effect.succeed(header)
      : Effect.fail(refuse("UnsupportedAlgorithm", `alg ${header.alg} is not ${algorithm}`))
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
 * Once authorized parties are configured, `azp` must be there and name one of
 * them: a token without it would pass for any origin.
 */
export const checkAuthorizedParty = (
  claims: JwtClaims,
  authorizedParties: ReadonlyArray<string>
): Effect.Effect<void, TokenVerificationError> => {
  if (authorizedParties.length === 0) return Effect.void
  if (claims.azp === undefined || claims.azp === "") {
    return Effect.fail(refuse("MissingAuthorizedParty", "the token has no azp and authorizedParties is set"))
  }
  return authorizedParties.includes(claims.azp)
    ? Effect.void
    : Effect.fail(refuse("InvalidAuthorizedParty", `azp ${claims.azp} is not an authorized party`))
}

/** Which audiences to accept: one or a list; a token's `aud` must name at least one of them. */
export type AudienceOption = string | ReadonlyArray<string>

/**
 * Clerk's rule: checked when both the option and the token's `aud` are there
 * (session tokens carry `azp`, not `aud`; JWT templates may carry `aud`).
 */
export const checkAudience = (
  claims: JwtClaims,
  audience: AudienceOption | undefined
): Effect.Effect<void, TokenVerificationError> => {
  const wanted = (typeof audience === "string" ? [audience] : (audience ?? [])).filter((a) => a !== "")
  const given = (typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? [])).filter((a) => a !== "")
  if (wanted.length === 0 || given.length === 0 || given.some((aud) => wanted.includes(aud)))
    return Effect.void
  return Effect.fail(
    refuse("InvalidAudience", `aud ${JSON.stringify(claims.aud)} names none of ${wanted.join(", ")}`)
  )
}

/** Finds the key for a token's `kid`; a PEM key ignores it, a JWKS looks it up. */
export type KeyResolver = (kid: string | undefined) => Effect.Effect<CryptoKey, TokenVerificationError>

export interface JwtOptions {
  readonly issuer?: IssuerOption | undefined
  readonly audience?: AudienceOption | undefined
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
    yield* checkAudience(claims, options.audience)
    return { header, claims }
  })
