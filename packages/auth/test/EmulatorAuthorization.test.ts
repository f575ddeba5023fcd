import {
  ClerkAuth,
  CurrentAuth,
  clerkMiddleware,
  decodeJwt,
  JwksCache,
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
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { jwtVerify } from "jose"
import { clientLayer } from "./support/client.js"
import { serve } from "./support/httpServer.js"

const get = (url: string, token?: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(
      HttpClientRequest.get(url).pipe(
        token === undefined ? (request) => request : HttpClientRequest.bearerToken(token)
      )
    )
  ).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text })))
  )

const field = (resource: unknown, key: string): string => {
  const value = typeof resource === "object" && resource !== null ? Reflect.get(resource, key) : undefined
  if (typeof value !== "string") throw new Error(`no string ${key} in ${JSON.stringify(resource)}`)
  return value
}

class CanReadInvoices extends Requirement<CanReadInvoices>()("CanReadInvoices") {}

class Api extends HttpApi.make("books").add(
  HttpApiGroup.make("books").add(
    HttpApiEndpoint.get("invoices", "/invoices").addSuccess(Schema.String).middleware(CanReadInvoices)
  )
) {}

const BooksLive = HttpApiBuilder.group(Api, "books", (handlers) =>
  handlers.handle("invoices", () => Effect.succeed("inv_1"))
)

describe("authorization end to end: emulator roles → session token → middleware → has", () => {
  it.live("a custom role's permission gives 200; a member without it gets 403", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const clerk = yield* Effect.provideService(ClerkEmulator.serve(), ClerkEmulator.ClerkEmulator, emulator)
      const permission = (key: string) =>
        Effect.map(emulator.request("POST", "organization_permissions", { name: key, key }), (p) =>
          field(p, "id")
        )
      const readInvoices = yield* permission("org:invoices:read")
      const exportReports = yield* permission("org:reports:export")
      const role = yield* emulator.request("POST", "organization_roles", {
        name: "Accountant",
        key: "org:accountant",
        permissions: [readInvoices]
      })
      yield* emulator.request("POST", `organization_roles/${field(role, "id")}/permissions/${exportReports}`)

      const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"] })
      const grace = yield* emulator.seedUser({ emailAddress: ["grace@example.com"] })
      const hopper = yield* emulator.seedUser({ emailAddress: ["hopper@example.com"] })
      const org = yield* emulator.seedOrganization({ name: "Books", slug: "books", createdBy: ada.id })
      yield* emulator.seedMembership({ organizationId: org.id, userId: grace.id, role: "org:accountant" })
      yield* emulator.seedMembership({ organizationId: org.id, userId: hopper.id, role: "org:member" })
      // No organization named: each session starts in the one its user last created or joined.
      const sessionOf = (userId: string) => emulator.seedSession({ userId })
      const graceSession = yield* sessionOf(grace.id)
      const accountant = yield* emulator.sessionToken(graceSession.id)
      const member = yield* emulator.sessionToken((yield* sessionOf(hopper.id)).id)
      const admin = yield* emulator.sessionToken((yield* sessionOf(ada.id)).id)

      const clerkAuth = Layer.provide(ClerkAuth.layer(), clientLayer(clerk.apiUrl))
      const router = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/invoices",
          requireAuth({ permission: "org:invoices:read" })(HttpServerResponse.text("inv_1"))
        ),
        HttpRouter.get(
          "/whoami",
          Effect.flatMap(CurrentAuth, (auth) =>
            HttpServerResponse.json(
              auth._tag === "SessionAuth"
                ? {
                    orgId: auth.orgId,
                    orgRole: auth.orgRole,
                    permissions: auth.orgPermissions,
                    canRead: auth.has({ permission: "org:invoices:read" }),
                    canExport: auth.has({ permission: "reports:export" }),
                    canManageMembers: auth.has({ permission: "org:sys_memberships:manage" }),
                    isAccountant: auth.has({ role: "accountant" })
                  }
                : { signedOut: auth._tag }
            )
          )
        )
      )
      const plain = yield* serve(HttpServer.serve(clerkMiddleware(router)).pipe(Layer.provide(clerkAuth)))
      expect(yield* get(`${plain}/invoices`, accountant)).toEqual({ status: 200, text: "inv_1" })
      expect((yield* get(`${plain}/invoices`, member)).status).toBe(403)
      // The admin holds system permissions only, which Clerk keeps out of session tokens.
      expect((yield* get(`${plain}/invoices`, admin)).status).toBe(403)
      expect((yield* get(`${plain}/invoices`)).status).toBe(401)
      const whoami = yield* get(`${plain}/whoami`, accountant)
      expect(JSON.parse(whoami.text)).toEqual({
        orgId: org.id,
        orgRole: "org:accountant",
        permissions: ["org:invoices:read", "org:reports:export"],
        canRead: true,
        canExport: true,
        canManageMembers: false,
        isAccountant: true
      })
      expect(JSON.parse((yield* get(`${plain}/whoami`, member)).text)).toMatchObject({
        orgRole: "org:member",
        permissions: [],
        canRead: false
      })

      const api = yield* serve(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(BooksLive))),
          Layer.provide(layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })),
          Layer.provide(clerkAuth)
        )
      )
      expect(yield* get(`${api}/invoices`, accountant)).toEqual({
        status: 200,
        text: JSON.stringify("inv_1")
      })
      expect((yield* get(`${api}/invoices`, member)).status).toBe(403)

      // Tokens follow the role: without the permission, or without an active organization, 403.
      yield* emulator.request("DELETE", `organization_roles/${field(role, "id")}/permissions/${readInvoices}`)
      const withoutRead = yield* emulator.sessionToken(graceSession.id)
      expect((yield* get(`${plain}/invoices`, withoutRead)).status).toBe(403)
      expect(JSON.parse((yield* get(`${plain}/whoami`, withoutRead)).text).permissions).toEqual([
        "org:reports:export"
      ])
      yield* emulator.request("POST", `organization_roles/${field(role, "id")}/permissions/${readInvoices}`)
      expect((yield* get(`${plain}/invoices`, yield* emulator.sessionToken(graceSession.id))).status).toBe(
        200
      )
      yield* emulator.setActiveOrganization(graceSession.id, null)
      const personal = yield* emulator.sessionToken(graceSession.id)
      expect((yield* decodeJwt(personal)).claims.o).toBeUndefined()
      expect((yield* get(`${plain}/invoices`, personal)).status).toBe(403)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it.live("a JWT template's token verifies with the instance's JWKS and carries the template's claims", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const clerk = yield* Effect.provideService(ClerkEmulator.serve(), ClerkEmulator.ClerkEmulator, emulator)
      const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"], firstName: "Ada" })
      yield* emulator.seedOrganization({ name: "Books", slug: "books", createdBy: ada.id })
      const session = yield* emulator.seedSession({ userId: ada.id })
      yield* emulator.request("POST", "jwt_templates", {
        name: "warehouse",
        lifetime: 300,
        claims: {
          aud: "warehouse",
          email: "{{user.primary_email_address}}",
          name: "{{user.first_name}}",
          org: "{{org.slug}}",
          role: "{{org_membership.role}}"
        }
      })
      const token = yield* emulator.request("POST", `sessions/${session.id}/tokens/warehouse`)
      const jwt = field(token, "jwt")
      const header = (yield* decodeJwt(jwt)).header
      const key = yield* Effect.flatMap(JwksCache.JwksCache, (keys) => keys.getKey(header.kid ?? "")).pipe(
        Effect.provide(Layer.provide(JwksCache.layer(), clientLayer(clerk.apiUrl)))
      )
      const { payload } = yield* Effect.promise(() =>
        jwtVerify(jwt, key, { issuer: emulator.issuer, audience: "warehouse" })
      )
      expect(payload).toMatchObject({
        sub: ada.id,
        email: "ada@example.com",
        name: "Ada",
        org: "books",
        role: "org:admin"
      })
      expect(Number(payload.exp) - Number(payload.iat)).toBe(300)
      expect(payload.sid).toBeUndefined()
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})
