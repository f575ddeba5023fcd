/**
 * Each request Clerk's own SDK rejects is rejected here too, each with its own
 * reason. Keys are generated in the tests; Clerk is a real server on loopback.
 */
import { createHash } from "node:crypto"
import { ClerkAuth, decodeJwt, type SignedOutReason } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { m2mToken, now, setup } from "./support/authenticator.js"
import { clientLayer } from "./support/client.js"
import { serveClerk } from "./support/clerkServer.js"
import { handmade, makeKey, sessionClaims, sign } from "./support/keys.js"

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const cookies = (token: string, clientUat: number | string = now - 60) => ({
  cookie: `__client_uat=${clientUat}; __session=${token}`
})

const reasonOf = (auth: { readonly _tag: string }): SignedOutReason | "signed in" =>
  "reason" in auth ? (auth.reason as SignedOutReason) : "signed in"

describe("attacks Clerk's SDK rejects", () => {
  it.scoped("a token without azp while authorizedParties is set: MissingAuthorizedParty", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({ authorizedParties: ["https://app.example.com"] })
      expect(reasonOf(yield* authenticate(bearer(yield* token())))).toBe("MissingAuthorizedParty")
      expect(reasonOf(yield* authenticate(bearer(yield* token({ azp: "https://evil.example.net" }))))).toBe(
        "InvalidAuthorizedParty"
      )
      expect(reasonOf(yield* authenticate(bearer(yield* token({ azp: "https://app.example.com" }))))).toBe(
        "signed in"
      )
    })
  )

  it.scoped("a token for another audience: InvalidAudience", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({ audience: ["api.example.com", "jobs.example.com"] })
      expect(reasonOf(yield* authenticate(bearer(yield* token({ aud: "other.example.com" }))))).toBe(
        "InvalidAudience"
      )
      expect(reasonOf(yield* authenticate(bearer(yield* token({ aud: ["x", "y"] }))))).toBe("InvalidAudience")
      expect(reasonOf(yield* authenticate(bearer(yield* token({ aud: ["x", "jobs.example.com"] }))))).toBe(
        "signed in"
      )
      // As in Clerk's SDK, a token without aud is not checked against it.
      expect(reasonOf(yield* authenticate(bearer(yield* token())))).toBe("signed in")
    })
  )

  it.scoped("a pending session: SessionPending, unless the layer or the route treats it as signed in", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({})
      const pending = yield* token({ sts: "pending" })
      expect(reasonOf(yield* authenticate(bearer(pending)))).toBe("SessionPending")
      const perRoute = yield* authenticate(bearer(pending), { treatPendingAsSignedOut: false })
      expect(perRoute).toMatchObject({ _tag: "SessionAuth", sessionStatus: "pending" })
      const lenient = yield* setup({ treatPendingAsSignedOut: false })
      expect(yield* lenient.authenticate(bearer(yield* lenient.token({ sts: "pending" })))).toMatchObject({
        _tag: "SessionAuth",
        sessionStatus: "pending"
      })
      expect(reasonOf(yield* authenticate(bearer(yield* token({ sts: "active" }))))).toBe("signed in")
    })
  )

  it.scoped("a __session cookie older than __client_uat, or with __client_uat 0 or absent", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({})
      const session = yield* token()
      expect(reasonOf(yield* authenticate(cookies(session, now - 60)))).toBe("signed in")
      expect(reasonOf(yield* authenticate(cookies(session, now)))).toBe("signed in")
      expect(reasonOf(yield* authenticate(cookies(session, now + 1)))).toBe("TokenIssuedBeforeClientUat")
      expect(reasonOf(yield* authenticate(cookies(session, 0)))).toBe("ClientUatMissing")
      expect(reasonOf(yield* authenticate({ cookie: `__session=${session}` }))).toBe("ClientUatMissing")
      // The header path has no browser state to compare with.
      expect(reasonOf(yield* authenticate({ ...bearer(session), cookie: "__client_uat=0" }))).toBe(
        "signed in"
      )
    })
  )

  it.scoped("a machine token in the __session cookie: MachineTokenInCookie, without asking Clerk", () =>
    Effect.gen(function* () {
      const { authenticate, key, server } = yield* setup(
        { acceptsToken: "any" },
        { "POST /v1/m2m_tokens/verify": { status: 200, body: m2mToken([]) } }
      )
      expect(reasonOf(yield* authenticate(cookies("mt_secret")))).toBe("MachineTokenInCookie")
      const m2mJwt = yield* sign(key, {
        sub: "mch_1",
        iss: "https://clerk.example.com",
        iat: now,
        exp: now + 60
      })
      expect(reasonOf(yield* authenticate(cookies(m2mJwt)))).toBe("MachineTokenInCookie")
      expect(server.requests).not.toContain("POST /v1/m2m_tokens/verify")
      // The same tokens in Authorization are machines.
      expect(yield* authenticate(bearer("mt_secret"))).toMatchObject({
        _tag: "MachineAuth",
        subject: "mch_1"
      })
      expect(yield* authenticate(bearer(m2mJwt))).toMatchObject({
        _tag: "MachineAuth",
        tokenType: "m2m_token"
      })
    })
  )

  it.scoped("the cat header: a JWT template is never a session; the M2M category is a machine", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({ acceptsToken: ["session_token", "m2m_token"] })
      expect(reasonOf(yield* authenticate(bearer(yield* token({}, { cat: "cl_B7d4PD222AAA" }))))).toBe(
        "TokenTypeMismatch"
      )
      expect(yield* authenticate(bearer(yield* token({}, { cat: "cl_B7d4PD333AAA" })))).toMatchObject({
        _tag: "MachineAuth",
        tokenType: "m2m_token"
      })
      expect(reasonOf(yield* authenticate(bearer(yield* token({}, { cat: "cl_B7d4PD111AAA" }))))).toBe(
        "signed in"
      )
      // Instances that opted out of categories stamp one on every class.
      expect(reasonOf(yield* authenticate(bearer(yield* token({}, { cat: "cl_I7d4PD111III" }))))).toBe(
        "signed in"
      )
    })
  )
})

describe("per route and per machine", () => {
  it.scoped("acceptsToken per route overrides the layer's", () =>
    Effect.gen(function* () {
      const { authenticate, token, server } = yield* setup(
        {},
        { "POST /v1/m2m_tokens/verify": { status: 200, body: m2mToken([]) } }
      )
      expect(reasonOf(yield* authenticate(bearer("mt_secret")))).toBe("TokenTypeNotAccepted")
      expect(server.requests).not.toContain("POST /v1/m2m_tokens/verify")
      expect(yield* authenticate(bearer("mt_secret"), { acceptsToken: "m2m_token" })).toMatchObject({
        _tag: "MachineAuth"
      })
      expect(reasonOf(yield* authenticate(bearer(yield* token()), { acceptsToken: ["m2m_token"] }))).toBe(
        "TokenTypeNotAccepted"
      )
    })
  )

  it.scoped("verifies M2M tokens with the machine secret key, everything else with the secret key", () =>
    Effect.gen(function* () {
      const { authenticate, server, token } = yield* setup(
        { acceptsToken: "any", machineSecretKey: Redacted.make("ak_machine_secret") },
        { "POST /v1/m2m_tokens/verify": { status: 200, body: m2mToken([]) } }
      )
      expect(yield* authenticate(bearer("mt_secret"))).toMatchObject({ _tag: "MachineAuth", id: "mt_id_1" })
      expect(reasonOf(yield* authenticate(bearer(yield* token())))).toBe("signed in")
      const verify = server.requests.indexOf("POST /v1/m2m_tokens/verify")
      expect(server.authorizations[verify]).toBe("Bearer ak_machine_secret")
      expect(server.authorizations[server.requests.indexOf("GET /v1/jwks")]).toBe("Bearer sk_test_auth")
    })
  )
})

describe("suffixed cookies", () => {
  const frontendApi = "clerk.example.com"
  const publishableKey = `pk_live_${Buffer.from(`${frontendApi}$`).toString("base64")}`
  // Clerk's rule, computed here independently: base64url of the key's SHA-1, first 8 characters.
  const suffix = createHash("sha1").update(publishableKey).digest("base64url").slice(0, 8)

  it.scoped("reads __session_<suffix> and __client_uat_<suffix> when they are this instance's", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({ publishableKey })
      const ours = yield* token({ sub: "user_ours" })
      const theirs = yield* token({ sub: "user_theirs", iss: "https://clerk.other.example" })
      const auth = yield* authenticate({
        cookie: `__session=${theirs}; __client_uat=${now - 60}; __session_${suffix}=${ours}; __client_uat_${suffix}=${now - 60}`
      })
      expect(auth).toMatchObject({ _tag: "SessionAuth", userId: "user_ours" })
      // The suffixed __client_uat counts: 0 there signs the suffixed session out.
      const signedOut = yield* authenticate({
        cookie: `__session=${theirs}; __client_uat=${now - 60}; __session_${suffix}=${ours}; __client_uat_${suffix}=0`
      })
      expect(reasonOf(signedOut)).toBe("ClientUatMissing")
      // Without suffixed cookies the plain ones are read.
      expect(yield* authenticate(cookies(ours))).toMatchObject({ userId: "user_ours" })
    })
  )

  it.scoped("chooses between plain and suffixed cookies by Clerk's rules", () =>
    Effect.gen(function* () {
      const { authenticate, token } = yield* setup({ publishableKey })
      const older = yield* token({ sub: "user_suffixed", iat: now - 30 })
      const newer = yield* token({ sub: "user_plain" })
      const jar = (plainUat: number, suffixedUat: number | undefined, suffixed: string) =>
        [
          `__session=${newer}`,
          `__client_uat=${plainUat}`,
          `__session_${suffix}=${suffixed}`,
          ...(suffixedUat === undefined ? [] : [`__client_uat_${suffix}=${suffixedUat}`])
        ].join("; ")
      // Both signed in, the plain session is newer: the plain cookies win.
      expect(yield* authenticate({ cookie: jar(now - 60, now - 60, older) })).toMatchObject({
        userId: "user_plain"
      })
      // The plain one is older: the suffixed cookies win.
      const newest = yield* token({ sub: "user_suffixed", iat: now + 1 })
      expect(yield* authenticate({ cookie: jar(now - 60, now - 60, newest) })).toMatchObject({
        userId: "user_suffixed"
      })
      // Suffixed signed out, plain signed in: the plain cookies win.
      expect(yield* authenticate({ cookie: jar(now - 60, 0, older) })).toMatchObject({ userId: "user_plain" })
      // A suffixed session without its __client_uat: the plain cookies.
      expect(yield* authenticate({ cookie: jar(now - 60, undefined, newest) })).toMatchObject({
        userId: "user_plain"
      })
    })
  )

  it.scoped(
    "on a development instance, an expired suffixed session gives way to plain cookies saying signed out",
    () =>
      Effect.gen(function* () {
        const development = `pk_test_${Buffer.from(`${frontendApi}$`).toString("base64")}`
        const devSuffix = createHash("sha1").update(development).digest("base64url").slice(0, 8)
        const { authenticate, token } = yield* setup({ publishableKey: development })
        const expired = yield* token({ iat: now - 120, nbf: now - 130, exp: now - 60 })
        const plain = yield* token({ sub: "user_plain" })
        const cookie = `__session=${plain}; __client_uat=0; __session_${devSuffix}=${expired}; __client_uat_${devSuffix}=${now - 200}`
        expect(reasonOf(yield* authenticate({ cookie }))).toBe("ClientUatMissing")
        // On production the suffixed cookies are trusted: the expired token is what is refused.
        const { authenticate: onProduction, token: productionToken } = yield* setup({ publishableKey })
        const expiredThere = yield* productionToken({ iat: now - 120, nbf: now - 130, exp: now - 60 })
        const productionCookie = `__session=${plain}; __client_uat=0; __session_${suffix}=${expiredThere}; __client_uat_${suffix}=${now - 200}`
        expect(reasonOf(yield* onProduction({ cookie: productionCookie }))).toBe("TokenExpired")
      })
  )

  it.scoped("a publishable key that is not one fails the layer", () =>
    Effect.gen(function* () {
      const server = yield* serveClerk(() => ({}))
      const error = yield* Effect.flip(
        Layer.build(
          Layer.provide(ClerkAuth.layer({ publishableKey: "pk_live_bm9wZQ" }), clientLayer(server.apiUrl))
        )
      )
      expect(error._tag === "TokenVerificationError" && error.reason).toBe("InvalidKey")
    })
  )
})

describe("decodeJwt", () => {
  it.effect("reads header and claims without verifying", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_decode")
      const token = yield* sign(key, sessionClaims(now, { azp: "https://app.example.com" }), { typ: "JWT" })
      const decoded = yield* decodeJwt(token)
      expect(decoded.header).toEqual({ alg: "RS256", kid: "ins_decode", typ: "JWT", cat: undefined })
      expect(decoded.claims).toMatchObject({
        sub: "user_2abc",
        sid: "sess_2abc",
        azp: "https://app.example.com",
        v: 2
      })
      expect(decoded.signature).toBe(token.split(".")[2])
    })
  )

  it.effect("fails with Malformed for what is not a JWT", () =>
    Effect.gen(function* () {
      expect((yield* Effect.flip(decodeJwt("abc"))).reason).toBe("Malformed")
      expect(
        (yield* Effect.flip(decodeJwt(handmade({ alg: "RS256" }, { exp: "tomorrow" }, "sig")))).reason
      ).toBe("Malformed")
      expect(
        (yield* Effect.flip(decodeJwt(`${handmade({ alg: "RS256" }, {}, "x").split(".")[0]}.!!!.x`))).reason
      ).toBe("Malformed")
    })
  )
})
