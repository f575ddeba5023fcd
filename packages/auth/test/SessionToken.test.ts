import { createHmac } from "node:crypto"
import { TokenVerificationError, verifyToken } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, TestClock } from "effect"
import { handmade, issuer, makeKey, sessionClaims, sign } from "./support/keys.js"

const now = 1_750_000_000
const atNow = TestClock.setTime(now * 1000)

const reasonOf = <A, R>(effect: Effect.Effect<A, TokenVerificationError, R>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason)

describe("verifyToken with a PEM jwtKey (networkless)", () => {
  it.effect("accepts a valid session token and returns its claims", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now, { o: { id: "org_1", rol: "admin", slg: "acme" } }))
      const claims = yield* verifyToken(token, { jwtKey: key.pem })
      expect(claims.sub).toBe("user_2abc")
      expect(claims.sid).toBe("sess_2abc")
      expect(claims.o?.rol).toBe("admin")
    })
  )

  it.effect("takes the key as a Redacted value", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now))
      const claims = yield* verifyToken(token, { jwtKey: Redacted.make(key.pem) })
      expect(claims.iss).toBe(issuer)
    })
  )

  it.effect("refuses an expired token, allowing the clock skew", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now))
      yield* TestClock.setTime((now + 60 + 4) * 1000)
      yield* verifyToken(token, { jwtKey: key.pem })
      yield* TestClock.setTime((now + 60 + 5) * 1000)
      expect(yield* reasonOf(verifyToken(token, { jwtKey: key.pem }))).toBe("TokenExpired")
      expect((yield* verifyToken(token, { jwtKey: key.pem, clockSkew: "1 minute" })).sub).toBe("user_2abc")
    })
  )

  it.effect("refuses a token that is not valid yet, and one issued in the future", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const notYet = yield* sign(key, sessionClaims(now, { nbf: now + 30, exp: now + 120 }))
      expect(yield* reasonOf(verifyToken(notYet, { jwtKey: key.pem }))).toBe("TokenNotActiveYet")
      const future = yield* sign(key, sessionClaims(now, { iat: now + 30, nbf: now, exp: now + 120 }))
      expect(yield* reasonOf(verifyToken(future, { jwtKey: key.pem }))).toBe("TokenIssuedInFuture")
    })
  )

  it.effect("checks azp against authorizedParties", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now, { azp: "https://evil.example.net" }))
      const options = { jwtKey: key.pem, authorizedParties: ["https://app.example.com"] }
      expect(yield* reasonOf(verifyToken(token, options))).toBe("InvalidAuthorizedParty")
      const good = yield* sign(key, sessionClaims(now, { azp: "https://app.example.com" }))
      expect((yield* verifyToken(good, options)).azp).toBe("https://app.example.com")
    })
  )

  it.effect("trusts Clerk-shaped issuers by default, and exactly the configured one when set", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const foreign = yield* sign(key, sessionClaims(now, { iss: "https://login.example.com" }))
      expect(yield* reasonOf(verifyToken(foreign, { jwtKey: key.pem }))).toBe("InvalidIssuer")
      const dev = yield* sign(key, sessionClaims(now, { iss: "https://happy-cat-12.clerk.accounts.dev" }))
      yield* verifyToken(dev, { jwtKey: key.pem })
      expect(yield* reasonOf(verifyToken(dev, { jwtKey: key.pem, issuer }))).toBe("InvalidIssuer")
      const plainHttp = yield* sign(key, sessionClaims(now, { iss: "http://clerk.example.com" }))
      expect(yield* reasonOf(verifyToken(plainHttp, { jwtKey: key.pem }))).toBe("InvalidIssuer")
    })
  )

  it.effect("refuses alg none", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = handmade({ alg: "none", typ: "JWT" }, sessionClaims(now), "")
      expect(yield* reasonOf(verifyToken(token, { jwtKey: key.pem }))).toBe("UnsupportedAlgorithm")
    })
  )

  it.effect("refuses HS256 signed with the public key as the HMAC secret", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const unsigned = handmade({ alg: "HS256", typ: "JWT", kid: key.kid }, sessionClaims(now), "")
      const signature = createHmac("sha256", key.pem).update(unsigned.slice(0, -1)).digest("base64url")
      expect(yield* reasonOf(verifyToken(`${unsigned}${signature}`, { jwtKey: key.pem }))).toBe(
        "UnsupportedAlgorithm"
      )
    })
  )

  it.effect("refuses a tampered payload and a token signed by another key", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now))
      const [header, , signature] = token.split(".")
      const forged = `${header}.${Buffer.from(JSON.stringify(sessionClaims(now, { sub: "user_admin" }))).toString("base64url")}.${signature}`
      expect(yield* reasonOf(verifyToken(forged, { jwtKey: key.pem }))).toBe("InvalidSignature")
      const other = yield* makeKey("ins_1")
      const byOther = yield* sign(other, sessionClaims(now))
      expect(yield* reasonOf(verifyToken(byOther, { jwtKey: key.pem }))).toBe("InvalidSignature")
    })
  )

  it.effect("refuses malformed tokens and tokens that are not session tokens", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      expect(yield* reasonOf(verifyToken("not-a-jwt", { jwtKey: key.pem }))).toBe("Malformed")
      expect(yield* reasonOf(verifyToken("a.b.c", { jwtKey: key.pem }))).toBe("Malformed")
      const { sid: _sid, ...withoutSession } = sessionClaims(now)
      const noSid = yield* sign(key, withoutSession)
      expect(yield* reasonOf(verifyToken(noSid, { jwtKey: key.pem }))).toBe("InvalidClaims")
    })
  )

  it.effect("fails with InvalidKey when jwtKey is not a PEM public key", () =>
    Effect.gen(function* () {
      yield* atNow
      const key = yield* makeKey("ins_1")
      const token = yield* sign(key, sessionClaims(now))
      const error = yield* Effect.flip(
        verifyToken(token, { jwtKey: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----" })
      )
      expect(error).toBeInstanceOf(TokenVerificationError)
      expect(error.reason).toBe("InvalidKey")
    })
  )
})
