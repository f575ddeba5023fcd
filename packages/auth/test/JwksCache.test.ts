import { JwksCache, verifyToken } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import type { JWK } from "jose"
import { clientLayer } from "./support/client.js"
import { serveClerk } from "./support/clerkServer.js"
import { makeKey, sessionClaims, sign } from "./support/keys.js"

const now = 1_750_000_000

/** Waits, on the real clock, for something another fiber or the server does. */
const eventually = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  }).pipe(Effect.andThen(() => expect(done()).toBe(true)))

/** A real server publishing `keys()` at `GET /v1/jwks`, and a cache reading it through `ClerkClient`. */
const setup = (keys: () => ReadonlyArray<JWK>, options?: JwksCache.Options) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(now * 1000)
    const server = yield* serveClerk(() => ({ "GET /v1/jwks": { status: 200, body: { keys: keys() } } }))
    const context = yield* Layer.build(clientLayer(server.apiUrl))
    const cache = yield* Effect.provide(JwksCache.fromClerkClient(options), context)
    const fetches = () => server.requests.filter((request) => request === "GET /v1/jwks").length
    const verify = (token: string) => Effect.provideService(verifyToken(token), JwksCache.JwksCache, cache)
    return { fetches, verify }
  })

describe("JwksCache", () => {
  it.scoped("fetches the JWKS once and verifies later tokens from the cache", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_a")
      const { fetches, verify } = yield* setup(() => [key.jwk])
      expect((yield* verify(yield* sign(key, sessionClaims(now)))).sub).toBe("user_2abc")
      yield* verify(yield* sign(key, sessionClaims(now, { sub: "user_other" })))
      expect(fetches()).toBe(1)
    })
  )

  it.scoped("on key rotation, concurrent tokens with the new kid share one refresh", () =>
    Effect.gen(function* () {
      const oldKey = yield* makeKey("ins_old")
      const newKey = yield* makeKey("ins_new")
      let published = [oldKey.jwk]
      const { fetches, verify } = yield* setup(() => published)
      yield* verify(yield* sign(oldKey, sessionClaims(now)))
      published = [oldKey.jwk, newKey.jwk]
      yield* TestClock.adjust("6 seconds")
      const tokens = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (i) => sign(newKey, sessionClaims(now, { sub: `user_${i}` }))
      )
      const claims = yield* Effect.forEach(tokens, verify, { concurrency: "unbounded" })
      expect(claims.map((c) => c.sub)).toEqual(tokens.map((_, i) => `user_${i}`))
      expect(fetches()).toBe(2)
      yield* verify(yield* sign(oldKey, sessionClaims(now)))
      expect(fetches()).toBe(2)
    })
  )

  it.scoped("refuses an unknown kid without refetching within the refresh interval", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_a")
      const { fetches, verify } = yield* setup(() => [key.jwk])
      yield* verify(yield* sign(key, sessionClaims(now)))
      const unknown = yield* sign(key, sessionClaims(now), { kid: "ins_made_up" })
      expect((yield* Effect.flip(verify(unknown))).reason).toBe("UnknownKid")
      expect((yield* Effect.flip(verify(unknown))).reason).toBe("UnknownKid")
      expect(fetches()).toBe(1)
      yield* TestClock.adjust("6 seconds")
      expect((yield* Effect.flip(verify(unknown))).reason).toBe("UnknownKid")
      expect(fetches()).toBe(2)
    })
  )

  it.scoped("once its TTL has passed, serves the cached key and refetches the set in the background", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_a")
      const { fetches, verify } = yield* setup(() => [key.jwk], { ttl: "1 minute" })
      yield* verify(yield* sign(key, sessionClaims(now, { exp: now + 600 })))
      yield* TestClock.adjust("59 seconds")
      yield* verify(yield* sign(key, sessionClaims(now, { exp: now + 600 })))
      expect(fetches()).toBe(1)
      yield* TestClock.adjust("2 seconds")
      yield* verify(yield* sign(key, sessionClaims(now, { exp: now + 600 })))
      yield* eventually(() => fetches() === 2)
      yield* verify(yield* sign(key, sessionClaims(now, { exp: now + 600 })))
      expect(fetches()).toBe(2)
    })
  )

  it.scoped("ignores keys for other algorithms in the set", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_a")
      const ec: JWK = { kty: "EC", crv: "P-256", kid: "ins_ec", alg: "ES256", use: "sig", x: "AA", y: "AA" }
      const { verify } = yield* setup(() => [ec, key.jwk])
      expect((yield* verify(yield* sign(key, sessionClaims(now)))).sid).toBe("sess_2abc")
    })
  )

  it.scoped("fails with JwksUnavailable when the JWKS cannot be fetched", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now * 1000)
      const key = yield* makeKey("ins_a")
      const server = yield* serveClerk(() => ({}))
      const context = yield* Layer.build(clientLayer(server.apiUrl))
      const cache = yield* Effect.provide(JwksCache.fromClerkClient(), context)
      const token = yield* sign(key, sessionClaims(now))
      const error = yield* Effect.flip(Effect.provideService(verifyToken(token), JwksCache.JwksCache, cache))
      expect(error.reason).toBe("JwksUnavailable")
      expect(server.requests).toEqual(["GET /v1/jwks"])
    })
  )
})
