import {
  Authenticated,
  ClerkAuth,
  ClerkAuthentication,
  Requirement,
  layerClerkAuthentication,
  layerRequirement,
  requireAuth
} from "@effect-clerk/auth"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpClient,
  HttpClientRequest,
  HttpRouter,
  HttpServer,
  HttpServerResponse,
  OpenApi
} from "@effect/platform"
import { serve } from "./support/httpServer.js"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { clientLayer } from "./support/client.js"
import { serveClerk } from "./support/clerkServer.js"
import { makeKey, sessionClaims, sign } from "./support/keys.js"

class CanReadInvoices extends Requirement<CanReadInvoices>()("CanReadInvoices") {}
class IsAdmin extends Requirement<IsAdmin>()("IsAdmin") {}

class Api extends HttpApi.make("billing").add(
  HttpApiGroup.make("invoices")
    .add(
      HttpApiEndpoint.get("list", "/invoices")
        .addSuccess(Schema.Struct({ userId: Schema.String }))
        .middleware(CanReadInvoices)
    )
    .add(HttpApiEndpoint.del("purge", "/invoices").middleware(IsAdmin))
    .add(HttpApiEndpoint.get("me", "/me").addSuccess(Schema.String))
    .middleware(ClerkAuthentication)
) {}

const InvoicesLive = HttpApiBuilder.group(Api, "invoices", (handlers) =>
  handlers
    .handle("list", () =>
      Effect.map(Authenticated, (auth) => ({
        userId: auth._tag === "SessionAuth" ? auth.userId : auth.subject
      }))
    )
    .handle("purge", () => Effect.void)
    .handle("me", () => Effect.map(Authenticated, (auth) => auth.tokenType))
)

const status = (method: "GET" | "DELETE", url: string, token?: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(
      HttpClientRequest.make(method)(url).pipe(
        token === undefined ? (request) => request : HttpClientRequest.bearerToken(token)
      )
    )
  ).pipe(Effect.map((response) => response.status))

/** A live Clerk (JWKS only), a key, and tokens for a member and an admin of org_1. */
const clerk = (jwks: "up" | "down" = "up") =>
  Effect.gen(function* () {
    const key = yield* makeKey("ins_routes")
    const server = yield* serveClerk(() =>
      jwks === "up" ? { "GET /v1/jwks": { status: 200, body: { keys: [key.jwk] } } } : {}
    )
    const now = Math.floor(Date.now() / 1000)
    const org = (rol: string, fpm: string) => ({
      v: 2,
      fea: "o:invoices",
      o: { id: "org_1", rol, slg: "acme", per: "read,manage", fpm }
    })
    return {
      clerkAuth: Layer.provide(ClerkAuth.layer(), clientLayer(server.apiUrl)),
      member: yield* sign(key, sessionClaims(now, org("member", "1"))),
      admin: yield* sign(key, sessionClaims(now, org("admin", "3"))),
      outsider: yield* sign(key, sessionClaims(now)),
      machine: yield* sign(key, { sub: "mch_1", iss: "https://clerk.example.com", iat: now, exp: now + 60 })
    }
  })

describe("HttpApi: Requirement middlewares", () => {
  it.live("answer 200 to callers who have what the route asks, 403 to others, 401 when signed out", () =>
    Effect.gen(function* () {
      const { clerkAuth, member, admin, outsider } = yield* clerk()
      const base = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(InvoicesLive))),
          Layer.provide(layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })),
          Layer.provide(layerRequirement(IsAdmin, { role: "org:admin" })),
          Layer.provide(layerClerkAuthentication),
          Layer.provide(clerkAuth)
        )
      )
      expect(yield* status("GET", `${base}/invoices`, member)).toBe(200)
      expect(yield* status("GET", `${base}/invoices`, outsider)).toBe(403)
      expect(yield* status("GET", `${base}/invoices`)).toBe(401)
      expect(yield* status("DELETE", `${base}/invoices`, member)).toBe(403)
      expect(yield* status("DELETE", `${base}/invoices`, admin)).toBe(204)
      // A route without a requirement lets any signed-in session through.
      expect(yield* status("GET", `${base}/me`, outsider)).toBe(200)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it.live("answer 503 when the JWKS cannot be fetched", () =>
    Effect.gen(function* () {
      const { clerkAuth, member } = yield* clerk("down")
      const base = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(InvoicesLive))),
          Layer.provide(layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })),
          Layer.provide(layerRequirement(IsAdmin, { role: "org:admin" })),
          Layer.provide(layerClerkAuthentication),
          Layer.provide(clerkAuth)
        )
      )
      expect(yield* status("GET", `${base}/invoices`, member)).toBe(503)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it("declare 401, 403 and 503 in the API's OpenAPI document", () => {
    const operation = OpenApi.fromApi(Api).paths["/invoices"]?.get
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(["200", "400", "401", "403", "503"])
  })
})

describe("HttpRouter: requireAuth", () => {
  it.live("guards each route with its own requirement and accepted token types", () =>
    Effect.gen(function* () {
      const { clerkAuth, member, admin, outsider, machine } = yield* clerk()
      const whoami = Effect.map(Authenticated, (auth) =>
        HttpServerResponse.text(auth._tag === "SessionAuth" ? auth.userId : auth.subject)
      )
      const router = HttpRouter.empty.pipe(
        HttpRouter.get("/invoices", requireAuth({ permission: "org:invoices:read" })(Effect.flatten(whoami))),
        HttpRouter.del("/invoices", requireAuth({ role: "admin" })(HttpServerResponse.empty())),
        HttpRouter.get("/jobs", requireAuth({ acceptsToken: "m2m_token" })(Effect.flatten(whoami)))
      )
      const base = yield* serve(HttpServer.serve(router).pipe(Layer.provide(clerkAuth)))
      expect(yield* status("GET", `${base}/invoices`, member)).toBe(200)
      expect(yield* status("GET", `${base}/invoices`, outsider)).toBe(403)
      expect(yield* status("GET", `${base}/invoices`)).toBe(401)
      expect(yield* status("DELETE", `${base}/invoices`, member)).toBe(403)
      expect(yield* status("DELETE", `${base}/invoices`, admin)).toBe(204)
      expect(yield* status("GET", `${base}/jobs`, machine)).toBe(200)
      expect(yield* status("GET", `${base}/jobs`, admin)).toBe(401)
      expect(yield* status("GET", `${base}/invoices`, machine)).toBe(401)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})

describe("one verification per request", () => {
  it.live("a group's ClerkAuthentication and an endpoint's Requirement ask Clerk once", () =>
    Effect.gen(function* () {
      const now = Math.floor(Date.now() / 1000)
      const server = yield* serveClerk(() => ({
        "POST /v1/api_keys/verify": {
          status: 200,
          body: {
            object: "api_key",
            id: "ak_id_1",
            type: "api_key",
            subject: "user_2abc",
            name: "CI",
            claims: null,
            scopes: [],
            revoked: false,
            revocation_reason: null,
            expired: false,
            expiration: null,
            created_by: null,
            last_used_at: null,
            created_at: now,
            updated_at: now
          }
        }
      }))
      class AnyCaller extends Requirement<AnyCaller>()("AnyCaller") {}
      class KeyApi extends HttpApi.make("keys").add(
        HttpApiGroup.make("keys")
          .add(HttpApiEndpoint.get("whoami", "/whoami").addSuccess(Schema.String).middleware(AnyCaller))
          .middleware(ClerkAuthentication)
      ) {}
      const KeysLive = HttpApiBuilder.group(KeyApi, "keys", (handlers) =>
        handlers.handle("whoami", () => Effect.map(Authenticated, (auth) => auth.tokenType))
      )
      const base = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(KeyApi).pipe(Layer.provide(KeysLive))),
          Layer.provide(layerRequirement(AnyCaller, {})),
          Layer.provide(layerClerkAuthentication),
          Layer.provide(Layer.provide(ClerkAuth.layer({ acceptsToken: "any" }), clientLayer(server.apiUrl)))
        )
      )
      expect(yield* status("GET", `${base}/whoami`, "ak_secret")).toBe(200)
      expect(server.requests.filter((request) => request === "POST /v1/api_keys/verify")).toHaveLength(1)
      expect(yield* status("GET", `${base}/whoami`, "ak_secret")).toBe(200)
      expect(server.requests.filter((request) => request === "POST /v1/api_keys/verify")).toHaveLength(2)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})
