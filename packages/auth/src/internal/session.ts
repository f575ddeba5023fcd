import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { type CryptoKey, importSPKI } from "jose"
import { SessionAuth } from "../AuthState.js"
import { type JwtClaims, SessionClaims } from "../Claims.js"
import type { TokenVerificationError } from "../Errors.js"
import type { JwksCache } from "../JwksCache.js"
import { expandPermissions, factorAges, splitByScope } from "./authorization.js"
import {
  type AudienceOption,
  checkAuthorizedParty,
  type IssuerOption,
  type KeyResolver,
  refuse,
  verifyJwt
} from "./jwt.js"

export interface SessionOptions {
  readonly authorizedParties?: ReadonlyArray<string> | undefined
  readonly issuer?: IssuerOption | undefined
  readonly audience?: AudienceOption | undefined
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
    audience: options.audience,
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

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value)

interface Organization {
  readonly orgId: string | undefined
  readonly orgRole: string | undefined
  readonly orgSlug: string | undefined
  readonly orgPermissions: ReadonlyArray<string> | undefined
}

/** The active organization, from the `o` claim (version 2) or the `org_*` claims (earlier versions). */
const organizationOf = (claims: SessionClaims): Effect.Effect<Organization, TokenVerificationError> => {
  if (claims.v !== 2) {
    const permissions = claims.org_permissions
    return Effect.succeed({
      orgId: nonEmpty(claims.org_id),
      orgRole: nonEmpty(claims.org_role),
      orgSlug: nonEmpty(claims.org_slug),
      orgPermissions: Array.isArray(permissions)
        ? permissions.filter((p): p is string => typeof p === "string")
        : undefined
    })
  }
  const o = claims.o
  if (o === undefined) {
    return Effect.succeed({
      orgId: undefined,
      orgRole: undefined,
      orgSlug: undefined,
      orgPermissions: undefined
    })
  }
  // The bitmaps index the organization features of `fea`: without a readable `fea` they mean nothing.
  const scoped = splitByScope(typeof claims.fea === "string" ? claims.fea : "")
  if (scoped === undefined) {
    return Effect.fail(refuse("InvalidClaims", "the fea claim has an item without a scope"))
  }
  return Effect.succeed({
    orgId: nonEmpty(o.id),
    orgRole: nonEmpty(o.rol) === undefined ? undefined : `org:${o.rol}`,
    orgSlug: nonEmpty(o.slg),
    orgPermissions: expandPermissions(scoped.org, o.per, o.fpm)
  })
}

/** A verified session token as the auth value handlers read. */
export const sessionAuth = (
  claims: SessionClaims,
  token: string
): Effect.Effect<SessionAuth, TokenVerificationError> =>
  Effect.map(
    organizationOf(claims),
    (organization) =>
      new SessionAuth({
        userId: claims.sub,
        sessionId: claims.sid,
        sessionStatus: claims.sts,
        actor: claims.act,
        ...organization,
        features: typeof claims.fea === "string" ? claims.fea : "",
        plans: typeof claims.pla === "string" ? claims.pla : "",
        factorVerificationAge: factorAges(claims.fva),
        claims,
        token: Redacted.make(token)
      })
  )
