import { Effect } from "effect"
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose"
import { randomBase62 } from "./ids.js"

export interface SigningKeys {
  readonly kid: string
  readonly issuer: string
  readonly publicJwk: JWK
  readonly sign: (claims: Record<string, unknown>) => Effect.Effect<string>
}

/** A fresh RS256 key pair per emulator, so tokens from one emulator never verify against another. */
export const makeSigningKeys = (issuer: string): Effect.Effect<SigningKeys> =>
  Effect.gen(function* () {
    const { privateKey, publicKey } = yield* Effect.promise(() =>
      generateKeyPair("RS256", { extractable: true })
    )
    const kid = `ins_${randomBase62(27)}`
    const jwk = yield* Effect.promise(() => exportJWK(publicKey))
    const publicJwk: JWK = { ...jwk, use: "sig", kid, alg: "RS256" }
    return {
      kid,
      issuer,
      publicJwk,
      sign: (claims) =>
        Effect.promise(() =>
          new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey)
        )
    }
  })
