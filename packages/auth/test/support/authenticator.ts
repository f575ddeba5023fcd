import { ClerkAuth } from "@effect-clerk/auth"
import { HttpServerRequest } from "@effect/platform"
import { Effect, Layer, TestClock } from "effect"
import type { JWTPayload } from "jose"
import { clientLayer } from "./client.js"
import { type Reply, serveClerk } from "./clerkServer.js"
import { makeKey, sessionClaims, sign } from "./keys.js"

/** The TestClock's time, in seconds, in tests that authenticate requests. */
export const now = 1_750_000_000

/** Clerk's answer to verifying an M2M token of `mch_1`. */
export const m2mToken = (scopes: ReadonlyArray<string>) => ({
  object: "machine_to_machine_token",
  id: "mt_id_1",
  subject: "mch_1",
  scopes,
  revoked: false,
  revocation_reason: null,
  expired: false,
  expiration: null,
  last_used_at: null,
  created_at: now,
  updated_at: now
})

/**
 * `ClerkAuth` with `options` against a Clerk on loopback that serves one
 * generated key, plus `routes`; `authenticate` runs it on a request with `headers`.
 */
export const setup = (options: ClerkAuth.Options, routes: Record<string, Reply> = {}) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(now * 1000)
    const key = yield* makeKey("ins_a")
    const server = yield* serveClerk(() => ({
      "GET /v1/jwks": { status: 200, body: { keys: [key.jwk] } },
      ...routes
    }))
    const context = yield* Layer.build(Layer.provide(ClerkAuth.layer(options), clientLayer(server.apiUrl)))
    const authenticate = (headers: Record<string, string>, route?: ClerkAuth.RouteOptions) =>
      Effect.provide(
        ClerkAuth.authenticateRequest(
          HttpServerRequest.fromWeb(new Request("http://app.test/", { headers })),
          route
        ),
        context
      )
    const token = (extra: JWTPayload = {}, header: { readonly cat?: string } = {}) =>
      sign(key, sessionClaims(now, extra), header)
    return { key, server, context, authenticate, token }
  })
