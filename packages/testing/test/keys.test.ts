import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { importJWK, jwtVerify } from "jose"
import { makeSigningKeys } from "../src/internal/keys.js"

describe("signing keys", () => {
  it.effect("the public JWK is derived once and verifies what the key signs", () =>
    Effect.gen(function* () {
      const keys = yield* makeSigningKeys("https://clerk.example.test")
      const first = keys.publicJwk()
      // The same object every time: `GET /jwks` does not derive the key again.
      expect(keys.publicJwk()).toBe(first)
      expect(Object.isFrozen(first)).toBe(true)
      expect(first).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256", kid: keys.kid })
      expect(first).not.toHaveProperty("d")
      const jwt = yield* keys.sign({ sub: "user_1" })
      const verified = yield* Effect.promise(async () => jwtVerify(jwt, await importJWK(first, "RS256")))
      expect(verified.payload.sub).toBe("user_1")
    })
  )
})
