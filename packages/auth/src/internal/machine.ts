/**
 * Opaque machine tokens are verified by Clerk (`POST …/verify`); JWT machine
 * tokens are verified offline with the instance's keys like session tokens.
 */
import { ApiKeys, ClerkClient, M2m, OauthAccessTokens } from "@effect-clerk/backend"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { JwtClaims } from "../Claims.js"
import { MachineAuth, type MachineTokenType } from "../AuthState.js"
import { TokenVerificationError } from "../Errors.js"
import type { Header } from "./jwt.js"
import { refuse } from "./jwt.js"

const prefixes: ReadonlyArray<readonly [string, MachineTokenType]> = [
  ["ak_", "api_key"],
  ["mt_", "m2m_token"],
  ["oat_", "oauth_token"]
]

/** The type an opaque machine token announces by its prefix. */
export const opaqueTokenType = (token: string): MachineTokenType | undefined =>
  prefixes.find(([prefix]) => token.startsWith(prefix))?.[1]

/**
 * Clerk's token categories (the `cat` header), which tell apart the classes of
 * JWT one instance key signs. Tokens minted before categories have none; an
 * instance that opted out stamps `ignore` on every class.
 */
const category = {
  session: "cl_B7d4PD111AAA",
  m2m: "cl_B7d4PD333AAA",
  ignore: "cl_I7d4PD111III"
} as const

/**
 * JWT access tokens are typed `at+jwt` (RFC 9068); M2M JWTs are issued to a
 * machine (`mch_…`) or carry the M2M category; any other category but the
 * session's (a JWT template) is `"other"`: it is never a session token.
 */
export const jwtTokenType = (
  header: Header,
  claims: JwtClaims
): "session_token" | MachineTokenType | "other" => {
  const typ = header.typ?.toLowerCase()
  if (typ === "at+jwt" || typ === "application/at+jwt") return "oauth_token"
  if (claims.sub.startsWith("mch_") || header.cat === category.m2m) return "m2m_token"
  if (header.cat !== undefined && header.cat !== category.session && header.cat !== category.ignore)
    return "other"
  return "session_token"
}

const scopesOf = (claims: JwtClaims): ReadonlyArray<string> => {
  const scope = claims.scope
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "")
  const scopes = claims.scopes
  return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === "string") : []
}

export const machineFromJwt = (tokenType: MachineTokenType, claims: JwtClaims, token: string): MachineAuth =>
  new MachineAuth({
    tokenType,
    id: claims.jti ?? claims.sub,
    subject: claims.sub,
    scopes: scopesOf(claims),
    claims,
    token: Redacted.make(token)
  })

interface Verified {
  readonly id: string
  readonly subject: string
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly claims?: unknown
  readonly revoked: boolean
  readonly expired: boolean
}

/** Clerk answers 400/404 for a token it does not know; anything else means we could not ask. */
const unknownToken = ["ClerkBadRequest", "ClerkNotFound"]

/**
 * The same client, authenticated with a machine's secret key: Clerk verifies M2M
 * tokens for the machine that holds it, without the instance's secret key.
 */
const asMachine = (machineSecretKey: Redacted.Redacted<string>) =>
  Effect.map(ClerkClient.ClerkClient, (client) => ClerkClient.withSecretKey(client, machineSecretKey))

/** Each verify operation's result, seen through the fields a `MachineAuth` needs. */
const verifyRemotely = (
  tokenType: MachineTokenType,
  token: string,
  machineSecretKey: Redacted.Redacted<string> | undefined
): Effect.Effect<Verified, TokenVerificationError | { readonly _tag: string }, ClerkClient.ClerkClient> => {
  switch (tokenType) {
    case "api_key":
      return ApiKeys.verifyApiKey({ secret: token })
    case "m2m_token":
      return machineSecretKey === undefined
        ? M2m.verifyToken({ token })
        : Effect.provideServiceEffect(
            M2m.verifyToken({ token }),
            ClerkClient.ClerkClient,
            asMachine(machineSecretKey)
          )
    case "oauth_token":
      return OauthAccessTokens.verify({ accessToken: token }).pipe(
        Effect.flatMap((result) =>
          "active" in result
            ? Effect.fail(refuse("TokenNotFound", "the OAuth access token is not active"))
            : Effect.succeed(result)
        )
      )
  }
}

export const verifyOpaqueToken = (
  tokenType: MachineTokenType,
  token: string,
  machineSecretKey: Redacted.Redacted<string> | undefined
): Effect.Effect<MachineAuth, TokenVerificationError, ClerkClient.ClerkClient> =>
  verifyRemotely(tokenType, token, machineSecretKey).pipe(
    Effect.mapError((error) => {
      if (error instanceof TokenVerificationError) return error
      return unknownToken.includes(error._tag)
        ? refuse("TokenNotFound", `Clerk does not know this ${tokenType}`, error)
        : refuse("BackendUnavailable", `Clerk could not verify the ${tokenType}: ${error._tag}`, error)
    }),
    Effect.flatMap((verified) => {
      if (verified.revoked) return Effect.fail(refuse("TokenRevoked", `the ${tokenType} is revoked`))
      if (verified.expired) return Effect.fail(refuse("TokenExpired", `the ${tokenType} is expired`))
      return Effect.succeed(
        new MachineAuth({
          tokenType,
          id: verified.id,
          subject: verified.subject,
          scopes: verified.scopes ?? [],
          claims: verified.claims ?? null,
          token: Redacted.make(token)
        })
      )
    })
  )
