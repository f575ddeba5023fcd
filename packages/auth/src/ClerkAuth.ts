/**
 * Authenticates requests: finds the token (`Authorization: Bearer` or the
 * `__session` cookie), tells session tokens from machine tokens, verifies it,
 * and answers with an `AuthState`. One `ClerkAuth` per instance: it owns that
 * instance's JWKS cache.
 *
 * @since 0.1.0
 */
import type { ClerkClient } from "@effect-clerk/backend"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { type AuthState, SessionAuth, SignedOut, type TokenType } from "./AuthState.js"
import { isUnavailableReason, type TokenVerificationError } from "./Errors.js"
import * as JwksCache from "./JwksCache.js"
import { type KeyResolver, verifyJwt } from "./internal/jwt.js"
import { jwtTokenType, machineFromJwt, opaqueTokenType, verifyOpaqueToken } from "./internal/machine.js"
import { requestToken } from "./internal/requestToken.js"
import { defaultClockSkew, importJwtKey, jwksResolver, sessionClaims } from "./internal/session.js"
import type { VerifyTokenOptions } from "./SessionToken.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VerifyTokenOptions {
  /** Verify session tokens with this PEM key instead of fetching the JWKS. */
  readonly jwtKey?: string | Redacted.Redacted<string> | undefined
  /** Which token types sign a request in. Defaults to `"session_token"`. */
  readonly acceptsToken?: TokenType | ReadonlyArray<TokenType> | "any" | undefined
  /** The JWKS cache's TTL and refresh interval. */
  readonly jwks?: JwksCache.Options | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Verifies a token of any accepted type. Token problems answer `SignedOut`;
   * the effect fails only when verification could not be done (JWKS or Clerk unreachable).
   */
  readonly authenticateToken: (token: string | undefined) => Effect.Effect<AuthState, TokenVerificationError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ClerkAuth extends Context.Tag("@effect-clerk/auth/ClerkAuth")<ClerkAuth, Service>() {}

const accepted = (option: Options["acceptsToken"]): ((type: TokenType) => boolean) => {
  if (option === undefined) return (type) => type === "session_token"
  if (option === "any") return () => true
  if (typeof option === "string") return (type) => type === option
  return (type) => option.includes(type)
}

const notAccepted = (type: TokenType) =>
  Effect.succeed(
    new SignedOut({ reason: "TokenTypeNotAccepted", message: `${type} tokens are not accepted here` })
  )

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, TokenVerificationError, ClerkClient.ClerkClient> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<ClerkClient.ClerkClient>()
    const accepts = accepted(options.acceptsToken)
    const clockSkew = Duration.decode(options.clockSkew ?? defaultClockSkew)
    // A bad PEM key is a configuration error: fail when the layer is built, not on every request.
    const keyFor: KeyResolver =
      options.jwtKey === undefined
        ? jwksResolver(yield* JwksCache.fromClerkClient(options.jwks))
        : yield* Effect.map(
            importJwtKey(options.jwtKey),
            (key): KeyResolver =>
              () =>
                Effect.succeed(key)
          )

    const verifyJwtToken = (token: string) =>
      Effect.gen(function* () {
        const { header, claims } = yield* verifyJwt(token, keyFor, { issuer: options.issuer, clockSkew })
        const type = jwtTokenType(header, claims)
        if (!accepts(type)) return yield* notAccepted(type)
        if (type !== "session_token") return machineFromJwt(type, claims)
        const session = yield* sessionClaims(claims, options)
        return new SessionAuth({
          userId: session.sub,
          sessionId: session.sid,
          orgId: session.o?.id,
          orgRole: session.o?.rol,
          claims: session
        })
      })

    const authenticate = (token: string): Effect.Effect<AuthState, TokenVerificationError> => {
      const opaque = opaqueTokenType(token)
      if (opaque === undefined) return verifyJwtToken(token)
      if (!accepts(opaque)) return notAccepted(opaque)
      return Effect.provide(verifyOpaqueToken(opaque, token), context)
    }

    return {
      authenticateToken: (token) =>
        token === undefined || token === ""
          ? Effect.succeed(new SignedOut({ reason: "MissingToken", message: "the request carries no token" }))
          : authenticate(token).pipe(
              Effect.catchAll((error) => {
                const { reason, message } = error
                return isUnavailableReason(reason)
                  ? Effect.fail(error)
                  : Effect.succeed(new SignedOut({ reason, message }))
              })
            )
    }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<ClerkAuth, TokenVerificationError, ClerkClient.ClerkClient> =>
  Layer.effect(ClerkAuth, make(options))

/**
 * Authenticates an `@effect/platform` request.
 *
 * @since 0.1.0
 * @category authentication
 */
export const authenticateRequest = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<AuthState, TokenVerificationError, ClerkAuth> =>
  Effect.flatMap(ClerkAuth, (auth) => auth.authenticateToken(requestToken(request)))

/**
 * Authenticates a web `Request` (fetch handlers, edge runtimes).
 *
 * @since 0.1.0
 * @category authentication
 */
export const authenticateWebRequest = (
  request: Request
): Effect.Effect<AuthState, TokenVerificationError, ClerkAuth> =>
  authenticateRequest(HttpServerRequest.fromWeb(request))
