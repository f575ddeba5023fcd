/**
 * Authenticates requests: finds the token (`Authorization: Bearer`, or the
 * `__session` cookie checked against `__client_uat`), tells session tokens
 * from machine tokens, verifies it, and answers with an `AuthState`. One
 * `ClerkAuth` per instance: it owns that instance's JWKS cache.
 *
 * @since 0.1.0
 */
import type { ClerkClient } from "@effect-clerk/backend"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type AuthState, SignedOut, type SignedOutReason, type TokenType } from "./AuthState.js"
import { isUnavailableReason, type TokenVerificationError } from "./Errors.js"
import * as JwksCache from "./JwksCache.js"
import { type KeyResolver, verifyJwt } from "./internal/jwt.js"
import { jwtTokenType, machineFromJwt, opaqueTokenType, verifyOpaqueToken } from "./internal/machine.js"
import {
  type CookieInstance,
  cookieInstance,
  type FoundToken,
  requestToken
} from "./internal/requestToken.js"
import {
  defaultClockSkew,
  importJwtKey,
  jwksResolver,
  sessionAuth,
  sessionClaims
} from "./internal/session.js"
import type { VerifyTokenOptions } from "./SessionToken.js"

/**
 * What may differ from one route to another.
 *
 * @since 0.2.0
 * @category models
 */
export interface RouteOptions {
  /** Which token types sign a request in: a type, a list, or `"any"`. Defaults to the layer's, `"session_token"`. */
  readonly acceptsToken?: TokenType | ReadonlyArray<TokenType> | "any" | undefined
  /** A pending session (`sts: "pending"`) is signed out unless this is `false`. Defaults to the layer's, `true`. */
  readonly treatPendingAsSignedOut?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VerifyTokenOptions, RouteOptions {
  /** Verify session tokens with this PEM key instead of fetching the JWKS. */
  readonly jwtKey?: string | Redacted.Redacted<string> | undefined
  /** The JWKS cache's TTL, refresh interval, fetch timeout and stale grace. */
  readonly jwks?: JwksCache.Options | undefined
  /** Verify opaque M2M tokens (`mt_…`) as the machine holding this key (`ak_…`) instead of with the client's secret key. */
  readonly machineSecretKey?: string | Redacted.Redacted<string> | undefined
  /**
   * The instance's publishable key. With it, the suffixed cookies Clerk sets when
   * several apps share a domain (`__session_<suffix>`, `__client_uat_<suffix>`) are read.
   */
  readonly publishableKey?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Verifies a token received in `Authorization`. Token problems answer
   * `SignedOut`; the effect fails only when verification could not be done
   * (JWKS or Clerk unreachable).
   */
  readonly authenticateToken: (
    token: string | undefined,
    options?: RouteOptions
  ) => Effect.Effect<AuthState, TokenVerificationError>
  /** Finds the request's token and verifies it, with the cookie rules for `__session`. */
  readonly authenticateRequest: (
    request: HttpServerRequest.HttpServerRequest,
    options?: RouteOptions
  ) => Effect.Effect<AuthState, TokenVerificationError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ClerkAuth extends Context.Tag("@effect-clerk/auth/ClerkAuth")<ClerkAuth, Service>() {}

const accepted = (option: RouteOptions["acceptsToken"]): ((type: TokenType) => boolean) => {
  if (option === undefined) return (type) => type === "session_token"
  if (option === "any") return () => true
  if (typeof option === "string") return (type) => type === option
  return (type) => option.includes(type)
}

const signedOut = (reason: SignedOutReason, message: string) =>
  Effect.succeed(new SignedOut({ reason, message }))

const redacted = (value: string | Redacted.Redacted<string>) =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, TokenVerificationError, ClerkClient.ClerkClient | Scope.Scope> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<ClerkClient.ClerkClient>()
    const clockSkew = Duration.decode(options.clockSkew ?? defaultClockSkew)
    const machineSecretKey =
      options.machineSecretKey === undefined ? undefined : redacted(options.machineSecretKey)
    // A bad PEM or publishable key is a configuration error: fail when the layer is built, not on every request.
    const keyFor: KeyResolver =
      options.jwtKey === undefined
        ? jwksResolver(yield* JwksCache.fromClerkClient(options.jwks))
        : yield* Effect.map(
            importJwtKey(options.jwtKey),
            (key): KeyResolver =>
              () =>
                Effect.succeed(key)
          )
    const instance: CookieInstance | undefined =
      options.publishableKey === undefined ? undefined : yield* cookieInstance(options.publishableKey)

    const verifyJwtToken = (token: string, source: FoundToken["source"], route: RouteOptions) =>
      Effect.gen(function* () {
        const { header, claims } = yield* verifyJwt(token, keyFor, {
          issuer: options.issuer,
          audience: options.audience,
          clockSkew
        })
        const type = jwtTokenType(header, claims)
        if (type === "other") {
          return yield* signedOut(
            "TokenTypeMismatch",
            `the token's category ${header.cat} is not a session token's`
          )
        }
        if (type !== "session_token" && source === "cookie") {
          return yield* signedOut("MachineTokenInCookie", "machine tokens are read from Authorization only")
        }
        if (!accepted(route.acceptsToken ?? options.acceptsToken)(type)) {
          return yield* signedOut("TokenTypeNotAccepted", `${type} tokens are not accepted here`)
        }
        if (type !== "session_token") return machineFromJwt(type, claims, token)
        const auth = yield* Effect.flatMap(sessionClaims(claims, options), (session) =>
          sessionAuth(session, token)
        )
        const treatPendingAsSignedOut =
          route.treatPendingAsSignedOut ?? options.treatPendingAsSignedOut ?? true
        if (auth.sessionStatus === "pending" && treatPendingAsSignedOut) {
          return yield* signedOut("SessionPending", "the session has a pending task")
        }
        return auth
      })

    const authenticate = (
      token: string,
      source: FoundToken["source"],
      route: RouteOptions
    ): Effect.Effect<AuthState, TokenVerificationError> => {
      const opaque = opaqueTokenType(token)
      if (opaque === undefined) return verifyJwtToken(token, source, route)
      if (source === "cookie")
        return signedOut("MachineTokenInCookie", "machine tokens are read from Authorization only")
      if (!accepted(route.acceptsToken ?? options.acceptsToken)(opaque)) {
        return signedOut("TokenTypeNotAccepted", `${opaque} tokens are not accepted here`)
      }
      return Effect.provide(verifyOpaqueToken(opaque, token, machineSecretKey), context)
    }

    /** Bad tokens are signed out; only "could not verify" stays a failure. */
    const settle = (effect: Effect.Effect<AuthState, TokenVerificationError>) =>
      Effect.catchAll(effect, (error) =>
        isUnavailableReason(error.reason) ? Effect.fail(error) : signedOut(error.reason, error.message)
      )

    const missing = () => signedOut("MissingToken", "the request carries no token")

    const authenticateToken = (token: string | undefined, route: RouteOptions = {}) =>
      token === undefined || token === "" ? missing() : settle(authenticate(token, "header", route))

    /**
     * Clerk's cookie rules: `__client_uat` is the client's last sign-in or
     * sign-out as the browser knows it; `0` or absent means signed out there, and
     * a token older than it predates that change.
     */
    const authenticateCookie = (token: string, clientUat: number, route: RouteOptions) => {
      if (opaqueTokenType(token) !== undefined) {
        return signedOut("MachineTokenInCookie", "machine tokens are read from Authorization only")
      }
      if (clientUat <= 0) {
        return signedOut("ClientUatMissing", "the __session cookie comes without a signed-in __client_uat")
      }
      return settle(
        Effect.gen(function* () {
          const verified = yield* authenticate(token, "cookie", route)
          if (verified._tag === "SessionAuth" && verified.claims.iat < clientUat) {
            return yield* signedOut(
              "TokenIssuedBeforeClientUat",
              `the token was issued before the client's last change (__client_uat ${clientUat})`
            )
          }
          return verified
        })
      )
    }

    const authenticateFound = (request: HttpServerRequest.HttpServerRequest, route: RouteOptions) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const found = requestToken(request, instance, Math.floor(now / 1000))
        if (found.source === "header") return authenticateToken(found.token, route)
        if (found.token === undefined) return missing()
        return authenticateCookie(found.token, found.clientUat, route)
      })

    // A group's ClerkAuthentication and an endpoint's Requirement both authenticate the same
    // request: the second reuses the first's answer instead of verifying (or asking Clerk) again.
    const answered = new WeakMap<object, Map<string, Effect.Effect<AuthState, TokenVerificationError>>>()
    const authenticateRequest = (request: HttpServerRequest.HttpServerRequest, route: RouteOptions = {}) =>
      Effect.suspend(() => {
        const key = JSON.stringify([route.acceptsToken, route.treatPendingAsSignedOut])
        const byRoute =
          answered.get(request) ?? new Map<string, Effect.Effect<AuthState, TokenVerificationError>>()
        answered.set(request, byRoute)
        const known = byRoute.get(key)
        if (known !== undefined) return known
        return Effect.flatMap(Effect.cached(authenticateFound(request, route)), (answer) => {
          byRoute.set(key, answer)
          return answer
        })
      })

    return { authenticateToken, authenticateRequest }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<ClerkAuth, TokenVerificationError, ClerkClient.ClerkClient> =>
  Layer.scoped(ClerkAuth, make(options))

/**
 * Authenticates an `@effect/platform` request.
 *
 * @since 0.1.0
 * @category authentication
 */
export const authenticateRequest = (
  request: HttpServerRequest.HttpServerRequest,
  options?: RouteOptions
): Effect.Effect<AuthState, TokenVerificationError, ClerkAuth> =>
  Effect.flatMap(ClerkAuth, (auth) => auth.authenticateRequest(request, options))

/**
 * Authenticates a web `Request` (fetch handlers, edge runtimes).
 *
 * @since 0.1.0
 * @category authentication
 */
export const authenticateWebRequest = (
  request: Request,
  options?: RouteOptions
): Effect.Effect<AuthState, TokenVerificationError, ClerkAuth> =>
  authenticateRequest(HttpServerRequest.fromWeb(request), options)
