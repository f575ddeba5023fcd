import { ClerkAuth, MachineAuth, SessionAuth, SignedOut } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import { m2mToken, now, setup } from "./support/authenticator.js"
import { clientLayer } from "./support/client.js"
import { serveClerk } from "./support/clerkServer.js"
import { makeKey, sessionClaims, sign, type TestKey } from "./support/keys.js"

const apiKey = (overrides: Record<string, unknown> = {}) => ({
  object: "api_key",
  id: "ak_id_1",
  type: "api_key",
  subject: "user_2abc",
  name: "CI",
  claims: { team: "infra" },
  scopes: ["read"],
  revoked: false,
  revocation_reason: null,
  expired: false,
  expiration: null,
  created_by: null,
  last_used_at: null,
  created_at: now,
  updated_at: now,
  ...overrides
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe("ClerkAuth.authenticateRequest", () => {
  it.scoped("signs in a session token from Authorization: Bearer or the __session cookie", () =>
    Effect.gen(function* () {
      const { key, authenticate } = yield* setup({})
      const token = yield* sign(key, sessionClaims(now, { o: { id: "org_1", rol: "admin" } }))
      const viaHeader = yield* authenticate(bearer(token))
      expect(viaHeader).toBeInstanceOf(SessionAuth)
      expect(
        viaHeader._tag === "SessionAuth" && [viaHeader.userId, viaHeader.sessionId, viaHeader.orgId]
      ).toEqual(["user_2abc", "sess_2abc", "org_1"])
      const viaCookie = yield* authenticate({ cookie: `theme=dark; __client_uat=${now}; __session=${token}` })
      expect(viaCookie._tag).toBe("SessionAuth")
    })
  )

  it.scoped("is signed out, with a reason, for a missing or bad token", () =>
    Effect.gen(function* () {
      const { key, authenticate } = yield* setup({ authorizedParties: ["https://app.example.com"] })
      expect(yield* authenticate({})).toEqual(
        new SignedOut({ reason: "MissingToken", message: "the request carries no token" })
      )
      const expired = yield* sign(key, sessionClaims(now - 3600))
      expect(yield* authenticate(bearer(expired))).toMatchObject({
        _tag: "SignedOut",
        reason: "TokenExpired"
      })
      const wrongParty = yield* sign(key, sessionClaims(now, { azp: "https://evil.example.net" }))
      expect(yield* authenticate(bearer(wrongParty))).toMatchObject({ reason: "InvalidAuthorizedParty" })
    })
  )

  it.scoped("refuses machine tokens unless acceptsToken allows them, without calling Clerk", () =>
    Effect.gen(function* () {
      const { server, authenticate } = yield* setup(
        {},
        { "POST /v1/api_keys/verify": { status: 200, body: apiKey() } }
      )
      expect(yield* authenticate(bearer("ak_secret"))).toMatchObject({ reason: "TokenTypeNotAccepted" })
      expect(server.requests).not.toContain("POST /v1/api_keys/verify")
    })
  )

  it.scoped("verifies API keys, M2M and OAuth tokens through Clerk's verify endpoints", () =>
    Effect.gen(function* () {
      const { server, authenticate } = yield* setup(
        { acceptsToken: "any" },
        {
          "POST /v1/api_keys/verify": { status: 200, body: apiKey() },
          "POST /v1/m2m_tokens/verify": { status: 200, body: m2mToken(["mch_2"]) },
          "POST /v1/oauth_applications/access_tokens/verify": { status: 200, body: { active: false } }
        }
      )
      const key = yield* authenticate(bearer("ak_secret"))
      expect(key).toEqual(
        new MachineAuth({
          tokenType: "api_key",
          id: "ak_id_1",
          subject: "user_2abc",
          scopes: ["read"],
          claims: { team: "infra" },
          token: Redacted.make("ak_secret")
        })
      )
      expect(key._tag === "MachineAuth" && Redacted.value(key.token)).toBe("ak_secret")
      expect(server.bodies.at(-1)).toEqual({ secret: "ak_secret" })
      expect(yield* authenticate(bearer("mt_secret"))).toMatchObject({
        tokenType: "m2m_token",
        subject: "mch_1"
      })
      expect(server.bodies.at(-1)).toEqual({ token: "mt_secret" })
      expect(yield* authenticate(bearer("oat_secret"))).toMatchObject({ reason: "TokenNotFound" })
      expect(server.bodies.at(-1)).toEqual({ access_token: "oat_secret" })
    })
  )

  it.scoped("is signed out for revoked or unknown machine tokens, and fails when Clerk cannot answer", () =>
    Effect.gen(function* () {
      const { authenticate } = yield* setup(
        { acceptsToken: ["api_key", "m2m_token"] },
        {
          "POST /v1/api_keys/verify": {
            status: 200,
            body: apiKey({ revoked: true, revocation_reason: "leaked" })
          },
          "POST /v1/m2m_tokens/verify": {
            status: 500,
            body: { errors: [{ code: "internal", message: "boom" }] }
          }
        }
      )
      expect(yield* authenticate(bearer("ak_secret"))).toMatchObject({ reason: "TokenRevoked" })
      expect(yield* authenticate(bearer("oat_secret"))).toMatchObject({ reason: "TokenTypeNotAccepted" })
      const failure = yield* Effect.flip(authenticate(bearer("mt_secret")))
      expect(failure.reason).toBe("BackendUnavailable")
    })
  )

  it.scoped("verifies JWT machine tokens offline with the instance's keys", () =>
    Effect.gen(function* () {
      const { key, server, authenticate } = yield* setup({ acceptsToken: ["m2m_token", "oauth_token"] })
      const jwtClaims = (sub: string) => ({
        sub,
        iss: "https://clerk.example.com",
        iat: now,
        exp: now + 60,
        jti: "mt_jwt_1"
      })
      const m2m = yield* sign(key, { ...jwtClaims("mch_1"), scopes: ["mch_2"] })
      expect(yield* authenticate(bearer(m2m))).toEqual(
        new MachineAuth({
          tokenType: "m2m_token",
          id: "mt_jwt_1",
          subject: "mch_1",
          scopes: ["mch_2"],
          claims: { ...jwtClaims("mch_1"), scopes: ["mch_2"] },
          token: Redacted.make(m2m)
        })
      )
      const oauth = yield* sign(key, { ...jwtClaims("user_2abc"), scope: "email profile" }, { typ: "at+jwt" })
      expect(yield* authenticate(bearer(oauth))).toMatchObject({
        tokenType: "oauth_token",
        scopes: ["email", "profile"]
      })
      const session = yield* sign(key, sessionClaims(now))
      expect(yield* authenticate(bearer(session))).toMatchObject({ reason: "TokenTypeNotAccepted" })
      expect(server.requests).toEqual(["GET /v1/jwks"])
    })
  )

  it.scoped("authenticates a web Request, networkless with jwtKey", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now * 1000)
      const key: TestKey = yield* makeKey("ins_pem")
      const server = yield* serveClerk(() => ({}))
      const context = yield* Layer.build(
        Layer.provide(ClerkAuth.layer({ jwtKey: key.pem }), clientLayer(server.apiUrl))
      )
      const token = yield* sign(key, sessionClaims(now))
      const request = new Request("http://app.test/", { headers: bearer(token) })
      expect(yield* Effect.provide(ClerkAuth.authenticateWebRequest(request), context)).toMatchObject({
        userId: "user_2abc"
      })
      expect(server.requests).toEqual([])
    })
  )

  it.scoped("fails to build with a jwtKey that is not a PEM key", () =>
    Effect.gen(function* () {
      const server = yield* serveClerk(() => ({}))
      const error = yield* Effect.flip(
        Layer.build(Layer.provide(ClerkAuth.layer({ jwtKey: "nope" }), clientLayer(server.apiUrl)))
      )
      expect(error._tag === "TokenVerificationError" && error.reason).toBe("InvalidKey")
    })
  )
})
