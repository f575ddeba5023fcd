import {
  Authenticated,
  ClerkAuth,
  ClerkAuthentication,
  CurrentAuth,
  clerkMiddleware,
  decodeJwt,
  layerClerkAuthentication,
  layerRequirement,
  Requirement,
  requireAuth
} from "@effect-clerk/auth"
import { ClerkEmulator } from "@effect-clerk/testing"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpClient,
  HttpClientRequest,
  HttpRouter,
  HttpServer,
  HttpServerResponse
} from "@effect/platform"
import { serve } from "./support/httpServer.js"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { clientLayer } from "./support/client.js"

class Api extends HttpApi.make("app").add(
  HttpApiGroup.make("account")
    .add(
      HttpApiEndpoint.get("me", "/me").addSuccess(
        Schema.Struct({ tokenType: Schema.String, userId: Schema.String })
      )
    )
    .middleware(ClerkAuthentication)
) {}

const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
  handlers.handle("me", () =>
    Effect.map(Authenticated, (auth) => ({
      tokenType: auth.tokenType,
      userId: auth._tag === "SessionAuth" ? auth.userId : auth.subject
    }))
  )
)

/** A fresh emulator served on loopback, with a signed-in user, and `ClerkAuth` reading its JWKS. */
const emulatorSession = Effect.gen(function* () {
  const emulator = yield* ClerkEmulator.make()
  const clerk = yield* Effect.provideService(ClerkEmulator.serve(), ClerkEmulator.ClerkEmulator, emulator)
  const user = yield* emulator.seedUser({ emailAddress: ["ada@example.com"] })
  const session = yield* emulator.seedSession({ userId: user.id })
  const token = yield* emulator.sessionToken(session.id)
  const clerkAuth = Layer.provide(ClerkAuth.layer(), clientLayer(clerk.apiUrl))
  return { userId: user.id, token, clerkAuth }
})

/** What a browser signed in a moment ago sends: the session token and the client's last sign-in time. */
const sessionCookies = (token: string) =>
  `__client_uat=${Math.floor(Date.now() / 1000) - 30}; __session=${token}`

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers)))
  ).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text })))
  )

describe("middleware, end to end against the Clerk emulator", () => {
  it.live("ClerkAuthentication lets a session minted by the emulator reach an HttpApi handler", () =>
    Effect.gen(function* () {
      const { userId, token, clerkAuth } = yield* emulatorSession
      const base = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(AccountLive))),
          Layer.provide(layerClerkAuthentication),
          Layer.provide(clerkAuth)
        )
      )
      const signedIn = yield* get(`${base}/me`, { authorization: `Bearer ${token}` })
      expect(signedIn.status).toBe(200)
      expect(JSON.parse(signedIn.text)).toEqual({ tokenType: "session_token", userId })
      expect((yield* get(`${base}/me`, { cookie: sessionCookies(token) })).status).toBe(200)
      expect((yield* get(`${base}/me`)).status).toBe(401)
      const tampered = `${token.slice(0, -4)}AAAA`
      expect((yield* get(`${base}/me`, { authorization: `Bearer ${tampered}` })).status).toBe(401)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it.live("clerkMiddleware provides CurrentAuth to a plain router, signed in or not", () =>
    Effect.gen(function* () {
      const { userId, token, clerkAuth } = yield* emulatorSession
      const router = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/whoami",
          Effect.flatMap(CurrentAuth, (auth) =>
            HttpServerResponse.text(
              auth._tag === "SessionAuth"
                ? auth.userId
                : `${auth._tag}:${auth._tag === "SignedOut" ? auth.reason : ""}`
            )
          )
        )
      )
      const base = yield* serve(HttpServer.serve(clerkMiddleware(router)).pipe(Layer.provide(clerkAuth)))
      expect(yield* get(`${base}/whoami`, { cookie: sessionCookies(token) })).toEqual({
        status: 200,
        text: userId
      })
      expect(yield* get(`${base}/whoami`)).toEqual({ status: 200, text: "SignedOut:MissingToken" })
      expect(yield* get(`${base}/whoami`, { authorization: "Bearer ak_123" })).toEqual({
        status: 200,
        text: "SignedOut:TokenTypeNotAccepted"
      })
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it.live("an organization session from the emulator: token, middleware, has, then 200 or 403", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const clerk = yield* Effect.provideService(ClerkEmulator.serve(), ClerkEmulator.ClerkEmulator, emulator)
      const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"] })
      const grace = yield* emulator.seedUser({ emailAddress: ["grace@example.com"] })
      const org = yield* emulator.seedOrganization({ name: "Engines", slug: "engines", createdBy: ada.id })
      yield* emulator.seedMembership({ organizationId: org.id, userId: grace.id, role: "org:member" })
      const tokenFor = (userId: string) =>
        Effect.flatMap(emulator.seedSession({ userId: userId, activeOrganizationId: org.id }), (session) =>
          emulator.sessionToken(session.id)
        )
      const admin = yield* tokenFor(ada.id)
      const member = yield* tokenFor(grace.id)
      // Version 2 claims with the active organization, its slug and the role without its prefix.
      expect((yield* decodeJwt(admin)).claims).toMatchObject({
        v: 2,
        o: { id: org.id, slg: "engines", rol: "admin" }
      })
      const clerkAuth = Layer.provide(ClerkAuth.layer(), clientLayer(clerk.apiUrl))

      class IsAdmin extends Requirement<IsAdmin>()("IsAdmin") {}
      class CanManageMembers extends Requirement<CanManageMembers>()("CanManageMembers") {}
      class OrgApi extends HttpApi.make("org").add(
        HttpApiGroup.make("org")
          .add(HttpApiEndpoint.get("settings", "/settings").addSuccess(Schema.String).middleware(IsAdmin))
          .add(HttpApiEndpoint.get("members", "/members").middleware(CanManageMembers))
      ) {}
      const OrgLive = HttpApiBuilder.group(OrgApi, "org", (handlers) =>
        handlers
          .handle("settings", () =>
            Effect.map(Authenticated, (auth) =>
              auth._tag === "SessionAuth" ? `${auth.orgId} ${auth.orgRole}` : ""
            )
          )
          .handle("members", () => Effect.void)
      )
      const api = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(OrgApi).pipe(Layer.provide(OrgLive))),
          Layer.provide(layerRequirement(IsAdmin, { role: "org:admin" })),
          // A system permission: Clerk leaves those out of session tokens, so no token has it.
          Layer.provide(layerRequirement(CanManageMembers, { permission: "org:sys_memberships:manage" })),
          Layer.provide(clerkAuth)
        )
      )
      expect(yield* get(`${api}/settings`, { authorization: `Bearer ${admin}` })).toEqual({
        status: 200,
        text: JSON.stringify(`${org.id} org:admin`)
      })
      expect((yield* get(`${api}/settings`, { authorization: `Bearer ${member}` })).status).toBe(403)
      expect((yield* get(`${api}/settings`)).status).toBe(401)
      expect((yield* get(`${api}/members`, { authorization: `Bearer ${admin}` })).status).toBe(403)

      const router = HttpRouter.empty.pipe(
        HttpRouter.get("/settings", requireAuth({ role: "admin" })(HttpServerResponse.text("settings")))
      )
      const plain = yield* serve(HttpServer.serve(router).pipe(Layer.provide(clerkAuth)))
      expect(yield* get(`${plain}/settings`, { cookie: sessionCookies(admin) })).toEqual({
        status: 200,
        text: "settings"
      })
      expect((yield* get(`${plain}/settings`, { cookie: sessionCookies(member) })).status).toBe(403)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})
