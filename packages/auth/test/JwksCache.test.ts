import { JwksCache, verifyToken } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import type { JWK } from "jose"
import { clientLayer } from "./support/client.js"
import { type Reply, serveClerk, stall } from "./support/clerkServer.js"
import { makeKey, sessionClaims, sign } from "./support/keys.js"

const now = 1_750_000_000

/** Waits, on the real clock, for something another fiber or the server does. */
const eventually = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  }).pipe(Effect.andThen(() => expect(done()).toBe(true)))

/** A real server answering `GET /v1/jwks` with `reply()`, and a cache reading it through `ClerkClient`. */
const setupWith = (reply: () => Reply | typeof stall, options?: JwksCache.Options) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(now * 1000)
    const server = yield* serveClerk(() => ({ "GET /v1/jwks": reply() }))
    const context = yield* Layer.build(clientLayer(server.apiUrl))
    const cache = yield* Effect.provide(JwksCache.fromClerkClient(options), context)
    const fetches = () => server.requests.filter((request) => request === "GET /v1/jwks").length
    const verify = (token: string) => Effect.provideService(verifyToken(token), JwksCache.JwksCache, cache)
    return { fetches, verify }
  })

/** A real server publishing `keys()`. */
const setup = (keys: () => ReadonlyArray<JWK>, options?: JwksCache.Options) =>
  setupWith(() => ({ status: 200, body: { keys: keys() } }), options)

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

  it.scoped("never uses a key published for encryption (use: enc), with its own reason", () =>
    Effect.gen(function* () {
      const signing = yield* makeKey("ins_sig")
      const encryption = yield* makeKey("ins_enc")
      const { verify } = yield* setup(() => [signing.jwk, { ...encryption.jwk, use: "enc" }])
      expect((yield* verify(yield* sign(signing, sessionClaims(now)))).sid).toBe("sess_2abc")
      const error = yield* Effect.flip(verify(yield* sign(encryption, sessionClaims(now))))
      expect(error.reason).toBe("KeyNotForSigning")
    })
  )

  it.scoped(
    "a JWKS that never answers delays neither cached keys past the TTL nor, beyond its timeout, unknown ones",
    () =>
      Effect.gen(function* () {
        const key = yield* makeKey("ins_a")
        const other = yield* makeKey("ins_rotated")
        let stalled = false
        const { fetches, verify } = yield* setupWith(
          () => (stalled ? stall : { status: 200, body: { keys: [key.jwk] } }),
          { ttl: "1 minute", timeout: "3 seconds" }
        )
        const claims = sessionClaims(now, { exp: now + 3600 })
        yield* verify(yield* sign(key, claims))
        stalled = true
        yield* TestClock.adjust("2 minutes")
        const token = yield* sign(key, claims)
        const started = performance.now()
        const verified = yield* verify(token)
        const elapsed = performance.now() - started
        expect(verified.sub).toBe("user_2abc")
        // The answer needs no network: the refresh it started is still unanswered.
        expect(elapsed).toBeLessThan(100)
        yield* eventually(() => fetches() === 2)
        const again = yield* Effect.forEach(Array.from({ length: 20 }), () => verify(token), {
          concurrency: "unbounded"
        })
        expect(again).toHaveLength(20)
        expect(fetches()).toBe(2)

        // An unknown kid waits for the JWKS at most its timeout, then fails as unavailable.
        const unknown = yield* Effect.fork(Effect.flip(verify(yield* sign(other, claims))))
        yield* TestClock.adjust("3 seconds")
        expect((yield* Fiber.join(unknown)).reason).toBe("JwksUnavailable")
      })
  )

  it.scoped("stops serving stale keys once the grace period has passed", () =>
    Effect.gen(function* () {
      const key = yield* makeKey("ins_a")
      let stalled = false
      const { verify } = yield* setupWith(
        () => (stalled ? stall : { status: 200, body: { keys: [key.jwk] } }),
        { ttl: "1 minute", staleWhileRevalidate: "10 minutes", timeout: "2 seconds" }
      )
      const claims = sessionClaims(now, { exp: now + 3600 })
      yield* verify(yield* sign(key, claims))
      stalled = true
      yield* TestClock.adjust("10 minutes")
      expect((yield* verify(yield* sign(key, claims))).sub).toBe("user_2abc")
      yield* TestClock.adjust("2 minutes")
      const late = yield* Effect.fork(Effect.flip(verify(yield* sign(key, claims))))
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(late)).reason).toBe("JwksUnavailable")
    })
  )
})
