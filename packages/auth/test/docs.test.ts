/**
 * The snippets docs/auth.md shows (test/snippets/, kept verbatim by the
 * repository's test/snippets.test.ts), served and called on real servers.
 */
import { ClerkAuth } from "@effect-clerk/auth"
import { HttpApiBuilder, HttpClient, HttpClientRequest } from "@effect/platform"
import { serve } from "./support/httpServer.js"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as HttpApiSnippet from "./snippets/httpApiAuthorization.js"
import * as RouterSnippet from "./snippets/routerAuthorization.js"
import { clientLayer } from "./support/client.js"
import { serveClerk } from "./support/clerkServer.js"
import { makeKey, sessionClaims, sign } from "./support/keys.js"

const call = (method: "GET" | "POST" | "DELETE", url: string, token?: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(
      HttpClientRequest.make(method)(url).pipe(
        token === undefined ? (request) => request : HttpClientRequest.bearerToken(token)
      )
    )
  ).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text })))
  )

/** Clerk's JWKS on loopback, and tokens: a reader and a manager of org_1's invoices, a user without an organization, a machine. */
const clerk = Effect.gen(function* () {
  const key = yield* makeKey("ins_docs")
  const server = yield* serveClerk(() => ({ "GET /v1/jwks": { status: 200, body: { keys: [key.jwk] } } }))
  const now = Math.floor(Date.now() / 1000)
  // per: read, manage; invoices gets 1 (read) or 3 (read + manage).
  const member = (fpm: string, fva: ReadonlyArray<number>) =>
    sign(
      key,
      sessionClaims(now, {
        v: 2,
        fea: "o:invoices,u:reports",
        fva: [...fva],
        o: { id: "org_1", rol: "member", slg: "acme", per: "read,manage", fpm }
      })
    )
  return {
    clerkAuth: Layer.provide(ClerkAuth.layer(), clientLayer(server.apiUrl)),
    reader: yield* member("1", [1, 1]),
    manager: yield* member("3", [1, 2]),
    staleManager: yield* member("3", [1, 30]),
    loner: yield* sign(key, sessionClaims(now)),
    machine: yield* sign(key, { sub: "mch_1", iss: "https://clerk.example.com", iat: now, exp: now + 60 })
  }
})

describe("the snippets of docs/auth.md, served", () => {
  it.live("httpApiAuthorization.ts", () =>
    Effect.gen(function* () {
      const { clerkAuth, reader, manager, staleManager, loner } = yield* clerk
      const base = yield* serve(
        HttpApiBuilder.serve().pipe(Layer.provide(HttpApiSnippet.ApiLive), Layer.provide(clerkAuth))
      )
      expect(yield* call("GET", `${base}/invoices`, reader)).toEqual({
        status: 200,
        text: '["invoices of org_1"]'
      })
      expect((yield* call("GET", `${base}/invoices`, loner)).status).toBe(403)
      expect((yield* call("GET", `${base}/invoices`)).status).toBe(401)
      expect((yield* call("DELETE", `${base}/invoices`, reader)).status).toBe(403)
      expect((yield* call("DELETE", `${base}/invoices`, staleManager)).status).toBe(403)
      expect((yield* call("DELETE", `${base}/invoices`, manager)).status).toBe(204)
      expect(yield* call("GET", `${base}/me`, loner)).toEqual({ status: 200, text: '"user_2abc"' })
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )

  it.live("routerAuthorization.ts", () =>
    Effect.gen(function* () {
      const { clerkAuth, reader, loner, machine } = yield* clerk
      const base = yield* serve(RouterSnippet.app.pipe(Layer.provide(clerkAuth)))
      expect(yield* call("GET", `${base}/invoices`, reader)).toEqual({
        status: 200,
        text: '{"orgId":"org_1"}'
      })
      expect((yield* call("GET", `${base}/invoices`, loner)).status).toBe(403)
      expect((yield* call("GET", `${base}/invoices`)).status).toBe(401)
      expect((yield* call("POST", `${base}/jobs`, machine)).status).toBe(202)
      expect((yield* call("POST", `${base}/jobs`, reader)).status).toBe(401)
      expect(yield* call("GET", `${base}/reports`, reader)).toEqual({ status: 200, text: "reports" })
      expect((yield* call("GET", `${base}/reports`, loner)).status).toBe(403)
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
  )
})
