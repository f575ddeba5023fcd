/**
 * Puts the authenticated caller in context: `clerkMiddleware` for plain
 * `HttpRouter`/`HttpApp`s, `ClerkAuthentication` for `HttpApi`s.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { AuthState, SignedIn } from "./AuthState.js"
import { ClerkAuth, authenticateRequest } from "./ClerkAuth.js"
import type { TokenVerificationError } from "./Errors.js"

/**
 * The caller of the current request, signed in or not (`clerkMiddleware`).
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentAuth extends Context.Tag("@effect-clerk/auth/CurrentAuth")<CurrentAuth, AuthState>() {}

/**
 * The signed-in caller of the current request (`ClerkAuthentication` refuses the others).
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
  app: HttpApp.Default<E, R>
): HttpApp.Default<E | TokenVerificationError, Exclude<R, CurrentAuth> | ClerkAuth> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = yield* authenticateRequest(request)
    return yield* Effect.provideService(app, CurrentAuth, auth)
  })

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
 * @since 0.1.0
 * @category layers
 */
export const layerClerkAuthentication: Layer.Layer<ClerkAuthentication, never, ClerkAuth> = Layer.effect(
  ClerkAuthentication,
  Effect.map(ClerkAuth, (clerkAuth) =>
    ClerkAuthentication.of({
      bearer: () =>
        HttpServerRequest.HttpServerRequest.pipe(
          Effect.flatMap((request) => authenticateRequest(request)),
          Effect.provideService(ClerkAuth, clerkAuth),
          Effect.catchTag("TokenVerificationError", (error) =>
            Effect.zipRight(
              Effect.logWarning("Clerk authentication unavailable", error.message),
              Effect.fail(new HttpApiError.ServiceUnavailable())
            )
          ),
          Effect.flatMap((auth) =>
            auth._tag === "SignedOut" ? Effect.fail(new HttpApiError.Unauthorized()) : Effect.succeed(auth)
          )
        )
    })
  )
)
