import { Effect } from "effect"
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT
} from "jose"

export interface TestKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly jwk: JWK
  readonly pem: string
}

/** A fresh RS256 key pair, as Clerk's JWKS publishes it. */
export const makeKey = (kid: string): Effect.Effect<TestKey> =>
  Effect.promise(async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }
    return { kid, privateKey, publicKey, jwk, pem: await exportSPKI(publicKey) }
  })

export const issuer = "https://clerk.example.com"

/** Claims of a session token issued at `now` (seconds), valid for a minute. */
export const sessionClaims = (now: number, extra: JWTPayload = {}): JWTPayload => ({
  sub: "user_2abc",
  sid: "sess_2abc",
  iss: issuer,
  iat: now,
  nbf: now - 10,
  exp: now + 60,
  v: 2,
  ...extra
})

export const sign = (
  key: TestKey,
  claims: JWTPayload,
  header: { readonly kid?: string; readonly typ?: string; readonly cat?: string } = {}
): Effect.Effect<string> =>
  Effect.promise(() =>
    new SignJWT(claims)
      .setProtectedHeader({
        alg: "RS256",
        kid: header.kid ?? key.kid,
        typ: header.typ ?? "JWT",
        ...(header.cat === undefined ? {} : { cat: header.cat })
      })
      .sign(key.privateKey)
  )

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** A token built by hand, for the attacks `SignJWT` refuses to produce. */
export const handmade = (
  header: Record<string, unknown>,
  claims: Readonly<Record<string, unknown>>,
  signature: string
): string => `${base64url(header)}.${base64url(claims)}.${signature}`
