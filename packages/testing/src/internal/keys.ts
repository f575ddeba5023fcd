import { Effect } from "effect"
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose"
import { randomBase62 } from "./ids.js"

export interface SigningKeys {
  readonly kid: string
  readonly issuer: string
  readonly publicJwk: JWK
  /** The private key, with its `kid`, for a state file to keep. */
  readonly privateJwk: JWK
  readonly sign: (claims: Record<string, unknown>) => Effect.Effect<string>
}

/**
 * A fresh RS256 key pair per emulator, so tokens from one emulator never verify
 * against another; or the pair `saved` from an earlier run of the same one.
 */
export const makeSigningKeys = (issuer: string, saved?: JWK): Effect.Effect<SigningKeys, string> =>
  Effect.gen(function* () {
    const privateKey = yield* saved === undefined
      ? Effect.promise(() => generateKeyPair("RS256", { extractable: true }).then((pair) => pair.privateKey))
      : Effect.tryPromise({
          try: () => importJWK(saved, "RS256"),
          catch: () => "the saved signing key is not an RS256 private key"
        })
    const privateJwk = saved ?? {
      ...(yield* Effect.promise(() => exportJWK(privateKey))),
      kid: `ins_${randomBase62(27)}`
    }
    const { kid, n, e } = privateJwk
    if (kid === undefined || n === undefined || e === undefined)
      return yield* Effect.fail("the saved signing key lacks its kid, modulus or exponent")
    // The public half of an RSA key is its modulus and exponent.
    const publicJwk: JWK = { kty: "RSA", n, e, use: "sig", kid, alg: "RS256" }
    return {
      kid,
      issuer,
      publicJwk,
      privateJwk,
      sign: (claims) =>
        Effect.promise(() =>
          new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey)
        )
    }
  })
