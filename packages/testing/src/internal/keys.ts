import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import { Effect } from "effect"
import { type JWK, SignJWT } from "jose"
import { randomBase62 } from "./ids.js"

export interface SigningKeys {
  readonly kid: string
  readonly issuer: string
  /** The public key as `GET /jwks` serves it, derived from the private key once. */
  readonly publicJwk: () => JWK
  /** The private key, with its `kid`, for a state file to keep. */
  readonly privateJwk: () => JWK
  readonly sign: (claims: Record<string, unknown>) => Effect.Effect<string>
}

/**
 * A fresh RS256 key pair per emulator, so tokens from one emulator never verify
 * against another; or the pair `saved` from an earlier run of the same one.
 *
 * A fresh pair is generated when it is first needed: an RSA key costs a few hundred
 * milliseconds of CPU, and most emulators (a test's, a seeding script's) never sign
 * a token nor serve their JWKS.
 */
export const makeSigningKeys = (issuer: string, saved?: JWK): Effect.Effect<SigningKeys, string> =>
  Effect.gen(function* () {
    const restored = saved === undefined ? undefined : yield* importSaved(saved)
    const kid = saved?.kid ?? `ins_${randomBase62(27)}`
    let generated = restored
    const privateKey = (): KeyObject => {
      if (generated === undefined) generated = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
      return generated
    }
    const privateJwk = (): JWK => ({ ...privateKey().export({ format: "jwk" }), kid })
    // Derived once, on the first `GET /jwks`: every later one serves the same (frozen) key.
    let publicJwk: JWK | undefined
    return {
      kid,
      issuer,
      privateJwk,
      publicJwk: () => {
        if (publicJwk === undefined)
          publicJwk = Object.freeze({
            ...createPublicKey(privateKey()).export({ format: "jwk" }),
            use: "sig",
            kid,
            alg: "RS256"
          })
        return publicJwk
      },
      sign: (claims) =>
        Effect.promise(() =>
          new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey())
        )
    }
  })

const importSaved = (saved: JWK): Effect.Effect<KeyObject, string> => {
  if (saved.kid === undefined) return Effect.fail("the saved signing key lacks its kid")
  return Effect.try({
    try: () => createPrivateKey({ key: { ...saved }, format: "jwk" }),
    catch: () => "the saved signing key is not an RSA private key"
  }).pipe(
    Effect.filterOrFail(
      (key) => key.asymmetricKeyType === "rsa",
      () => "the saved signing key is not an RSA private key"
    )
  )
}
