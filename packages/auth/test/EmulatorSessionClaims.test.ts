import { ClerkAuth, CurrentAuth, clerkMiddleware, decodeJwt, requireAuth } from "@effect-clerk/auth"
import { ActorTokens, ClerkClient } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { HttpClient, HttpClientRequest, HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { clientLayer } from "./support/client.js"
import { serve } from "./support/httpServer.js"

const get = (url: string, token: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.bearerToken(token)))
  ).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text })))
  )

const whoami = HttpRouter.get(
  "/whoami",
  Effect.flatMap(CurrentAuth, (auth) =>
    HttpServerResponse.json(
      auth._tag === "SessionAuth"
        ? {
            status: auth.sessionStatus,
            actor: auth.actor ?? null,
            fva: auth.factorVerificationAge ?? null,
            strict: auth.has({ reverification: "strict" }),
            lax: auth.has({ reverification: "lax" }),
            multiFactor: auth.has({ reverification: { level: "multi_factor", afterMinutes: 60 } })
          }
        : { signedOut: auth._tag === "SignedOut" ? auth.reason : auth._tag }
    )
  )
)

const router = HttpRouter.empty.pipe(
  whoami,
  HttpRouter.get("/sensitive", requireAuth({ reverification: "strict" })(HttpServerResponse.text("ok"))),
  HttpRouter.get(
    "/onboarding",
    requireAuth({ treatPendingAsSignedOut: false })(HttpServerResponse.text("finish your tasks"))
  )
)

describe("session claims end to end: emulator → session token → middleware", () => {
  it.live("sts, act and fva as Clerk issues them decide the caller's auth", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const clerk = yield* Effect.provideService(ClerkEmulator.serve(), ClerkEmulator.ClerkEmulator, emulator)
      const clerkAuth = Layer.provide(ClerkAuth.layer(), clientLayer(clerk.apiUrl))
      const app = yield* serve(HttpServer.serve(clerkMiddleware(router)).pipe(Layer.provide(clerkAuth)))
      const json = (path: string, token: string) =>
        Effect.map(get(`${app}${path}`, token), (reply) => JSON.parse(reply.text))

      const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"] })
      const session = yield* emulator.seedSession({ userId: ada.id })

      // A fresh session: active, first factor just verified, no second factor.
      const fresh = yield* emulator.sessionToken(session.id)
      expect((yield* decodeJwt(fresh)).claims).toMatchObject({ sts: "active", fva: [0, -1] })
      expect(yield* json("/whoami", fresh)).toEqual({
        status: "active",
        actor: null,
        fva: [0, -1],
        strict: true,
        lax: true,
        // Without a second factor, a multi-factor check asks for the first only.
        multiFactor: true
      })
      expect(yield* get(`${app}/sensitive`, fresh)).toEqual({ status: 200, text: "ok" })

      // Factors verified a while ago: a strict reverification is due, a lax one is not.
      yield* emulator.setSessionState(session.id, { factorVerificationAge: [45, 30] })
      const stale = yield* emulator.sessionToken(session.id)
      expect(yield* json("/whoami", stale)).toMatchObject({
        fva: [45, 30],
        strict: false,
        lax: true,
        multiFactor: true
      })
      expect((yield* get(`${app}/sensitive`, stale)).status).toBe(403)
      yield* emulator.setSessionState(session.id, { factorVerificationAge: [5, 90] })
      expect(yield* json("/whoami", yield* emulator.sessionToken(session.id))).toMatchObject({
        fva: [5, 90],
        multiFactor: false
      })

      // A pending task makes the session pending: signed out unless the route takes pending sessions.
      const pendingSession = yield* emulator.setSessionState(session.id, { tasks: ["choose-organization"] })
      expect(pendingSession.status).toBe("pending")
      const pending = yield* emulator.sessionToken(session.id)
      expect((yield* decodeJwt(pending)).claims.sts).toBe("pending")
      expect(yield* json("/whoami", pending)).toEqual({ signedOut: "SessionPending" })
      expect((yield* get(`${app}/sensitive`, pending)).status).toBe(401)
      expect(yield* get(`${app}/onboarding`, pending)).toEqual({ status: 200, text: "finish your tasks" })
      yield* emulator.setSessionState(session.id, { tasks: [] })
      expect((yield* json("/whoami", yield* emulator.sessionToken(session.id))).status).toBe("active")

      // An actor token signs its user in as the actor: the session's tokens carry `act`.
      const support = yield* emulator.seedUser({ emailAddress: ["support@example.com"] })
      const actorToken = yield* ActorTokens.create({ userId: ada.id, actor: { sub: support.id } }).pipe(
        Effect.provide(
          ClerkClient.layer({ secretKey: Redacted.make(emulator.secretKey), apiUrl: clerk.apiUrl })
        )
      )
      expect(actorToken.status).toBe("pending")
      const impersonated = yield* emulator.acceptActorToken(actorToken.id)
      expect(impersonated).toMatchObject({ userId: ada.id, actor: { sub: support.id } })
      const acting = yield* emulator.sessionToken(impersonated.id)
      expect((yield* decodeJwt(acting)).claims).toMatchObject({ sub: ada.id, act: { sub: support.id } })
      expect(yield* json("/whoami", acting)).toMatchObject({ status: "active", actor: { sub: support.id } })
      // An actor token signs in once.
      expect(yield* Effect.flip(emulator.acceptActorToken(actorToken.id))).toMatchObject({ status: 400 })
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})
