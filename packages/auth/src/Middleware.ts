/**
 * Puts the authenticated caller in context and guards routes:
 * `clerkMiddleware` and `requireAuth` for plain `HttpRouter`/`HttpApp`s,
 * `ClerkAuthentication` and `Requirement` middlewares for `HttpApi`s.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AuthState, SignedIn } from "./AuthState.js"
import type { Requirement as Authorization } from "./Authorization.js"
import { ClerkAuth, type RouteOptions, authenticateRequest } from "./ClerkAuth.js"
import type { TokenVerificationError } from "./Errors.js"

/**
 * The caller of the current request, signed in or not (`clerkMiddleware`).
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentAuth extends Context.Tag("@effect-clerk/auth/CurrentAuth")<CurrentAuth, AuthState>() {}

/**
 * The signed-in caller of the current request (`ClerkAuthentication`, a
 * `Requirement` and `requireAuth` refuse the others).
 *
 * @since 0.1.0
 * @category tags
 */
export class Authenticated extends Context.Tag("@effect-clerk/auth/Authenticated")<
  Authenticated,
  SignedIn
>() {}

/**
 * Authenticates every request and provides `CurrentAuth` to the app; the app
 * decides what a `SignedOut` caller may do. Fails with `TokenVerificationError`
 * only when verification could not be done.
 *
 * @since 0.1.0
 * @category middleware
 */
export const clerkMiddleware = <E, R>(
  app: HttpApp.Default<E, R>,
  options?: RouteOptions
): HttpApp.Default<E | TokenVerificationError, Exclude<R, CurrentAuth> | ClerkAuth> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = yield* authenticateRequest(request, options)
    return yield* Effect.provideService(app, CurrentAuth, auth)
  })

/**
 * What a route asks of its caller: who may call (`acceptsToken`, pending
 * sessions) and, optionally, what they must have (see `Authorization.Requirement`).
 * With no role, permission, feature, plan or reverification, being signed in is enough.
 *
 * @since 0.2.0
 * @category models
 */
export interface RouteRequirement extends Authorization, RouteOptions {}

const authorizationKeys = ["role", "permission", "feature", "plan", "reverification"] as const

/** Why a caller may not go on: signed out, or signed in without what the route requires. */
type Verdict =
  | { readonly _tag: "Allowed"; readonly auth: SignedIn }
  | { readonly _tag: "Unauthorized" }
  | { readonly _tag: "Forbidden" }

const judge = (auth: AuthState, requirement: RouteRequirement): Verdict => {
  if (auth._tag === "SignedOut") return { _tag: "Unauthorized" }
  const asksAuthorization = authorizationKeys.some((key) => requirement[key] !== undefined)
  return asksAuthorization && !auth.has(requirement) ? { _tag: "Forbidden" } : { _tag: "Allowed", auth }
}

const unavailable = (error: TokenVerificationError) =>
  Effect.logWarning("Clerk authentication unavailable", error.message)

/**
 * Guards one route of a plain `HttpRouter`/`HttpApp`: 401 for a signed-out
 * caller, 403 for one who lacks what `requirement` asks, 503 when Clerk or its
 * JWKS cannot be reached; otherwise runs `app` with `Authenticated` in context.
 *
 * For instance:
 *
 * ```ts
 * HttpRouter.get("/invoices", requireAuth({ permission: "org:invoices:read" })(listInvoices))
 * ```
 *
 * @since 0.2.0
 * @category middleware
 */
export const requireAuth =
  (requirement: RouteRequirement = {}) =>
  <E, R>(
    app: HttpApp.Default<E, R>
  ): HttpApp.Default<E, Exclude<R, Authenticated> | ClerkAuth | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const auth = yield* Effect.either(authenticateRequest(request, requirement))
      if (auth._tag === "Left") {
        yield* unavailable(auth.left)
        return HttpServerResponse.empty({ status: 503 })
      }
      const verdict = judge(auth.right, requirement)
      switch (verdict._tag) {
        case "Unauthorized":
          return HttpServerResponse.empty({ status: 401 })
        case "Forbidden":
          return HttpServerResponse.empty({ status: 403 })
        case "Allowed":
          return yield* Effect.provideService(app, Authenticated, verdict.auth)
      }
    })

/**
 * The errors a `Requirement` middleware declares in the API: 401, 403 and 503.
 *
 * @since 0.2.0
 * @category models
 */
export const RequirementFailure = Schema.Union(
  HttpApiError.Unauthorized,
  HttpApiError.Forbidden,
  HttpApiError.ServiceUnavailable
)

const middlewareOptions = {
  failure: RequirementFailure,
  provides: Authenticated,
  security: { bearer: HttpApiSecurity.bearer }
} as const

/**
 * An `HttpApi` middleware: signed-in callers reach the handlers with
 * `Authenticated` in context, signed-out ones get 401, and 503 when Clerk or
 * its JWKS cannot be reached.
 *
 * The `bearer` scheme documents the API in OpenAPI; the implementation reads
 * the whole request so same-origin browsers (`__session` cookie) work too.
 *
 * @since 0.1.0
 * @category middleware
 */
export class ClerkAuthentication extends HttpApiMiddleware.Tag<ClerkAuthentication>()(
  "@effect-clerk/auth/ClerkAuthentication",
  {
    failure: Schema.Union(HttpApiError.Unauthorized, HttpApiError.ServiceUnavailable),
    provides: Authenticated,
    security: { bearer: HttpApiSecurity.bearer }
  }
) {}

/**
 * Declares a per-route `HttpApi` middleware: put it on the endpoints (or
 * groups) it guards, and give its rule with `layerRequirement`. It
 * authenticates like `ClerkAuthentication` and also answers 403 (declared in
 * the API as `HttpApiError.Forbidden`) to callers without what the rule asks.
 *
 * For instance:
 *
 * ```ts
 * class CanReadInvoices extends Requirement<CanReadInvoices>()("CanReadInvoices") {}
 * HttpApiEndpoint.get("invoices", "/invoices").middleware(CanReadInvoices)
 * const CanReadInvoicesLive = layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })
 * ```
 *
 * @since 0.2.0
 * @category middleware
 */
export const Requirement =
  <Self>() =>
  <const Name extends string>(name: Name) =>
    HttpApiMiddleware.Tag<Self>()(name, middlewareOptions)

/**
 * What a `Requirement` or `ClerkAuthentication` middleware implements.
 *
 * @since 0.2.0
 * @category models
 */
export interface GuardService<E> {
  readonly bearer: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<SignedIn, E, HttpRouter.HttpRouter.Provided>
}

const guard = (
  clerkAuth: ClerkAuth["Type"],
  requirement: RouteRequirement
): Effect.Effect<
  SignedIn,
  HttpApiError.Unauthorized | HttpApiError.Forbidden | HttpApiError.ServiceUnavailable,
  HttpServerRequest.HttpServerRequest
> =>
  HttpServerRequest.HttpServerRequest.pipe(
    Effect.flatMap((request) => clerkAuth.authenticateRequest(request, requirement)),
    Effect.catchTag("TokenVerificationError", (error) =>
      Effect.zipRight(unavailable(error), Effect.fail(new HttpApiError.ServiceUnavailable()))
    ),
    Effect.flatMap((auth): Effect.Effect<SignedIn, HttpApiError.Unauthorized | HttpApiError.Forbidden> => {
      const verdict = judge(auth, requirement)
      if (verdict._tag === "Unauthorized") return Effect.fail(new HttpApiError.Unauthorized())
      if (verdict._tag === "Forbidden") return Effect.fail(new HttpApiError.Forbidden())
      return Effect.succeed(verdict.auth)
    })
  )

/**
 * Implements a `Requirement` middleware with its rule.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerRequirement = <I>(
  tag: Context.Tag<
    I,
    GuardService<HttpApiError.Unauthorized | HttpApiError.Forbidden | HttpApiError.ServiceUnavailable>
  >,
  requirement: RouteRequirement
): Layer.Layer<I, never, ClerkAuth> =>
  Layer.effect(
    tag,
    Effect.map(ClerkAuth, (clerkAuth) => ({ bearer: () => guard(clerkAuth, requirement) }))
  )

/**
 * Implements `ClerkAuthentication`; `options` set the accepted token types and
 * pending sessions for every route it guards.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClerkAuthenticationWith = (
  options: RouteOptions
): Layer.Layer<ClerkAuthentication, never, ClerkAuth> =>
  Layer.effect(
    ClerkAuthentication,
    Effect.map(ClerkAuth, (clerkAuth) =>
      ClerkAuthentication.of({
        bearer: () =>
          // Without an authorization key a route requirement never answers Forbidden.
          guard(clerkAuth, options).pipe(
            Effect.catchTag("Forbidden", () => Effect.fail(new HttpApiError.Unauthorized()))
          )
      })
    )
  )

/**
 * @since 0.1.0
 * @category layers
 */
export const layerClerkAuthentication: Layer.Layer<ClerkAuthentication, never, ClerkAuth> =
  layerClerkAuthenticationWith({})
