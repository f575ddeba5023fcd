/**
 * Reading a JWT without verifying it: to log, route or pick a key, never to
 * trust. Anything that decides access goes through `verifyToken` or `ClerkAuth`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { base64url } from "jose"
import type { TokenVerificationError } from "./Errors.js"
import { decodeHeader, type Header, refuse } from "./internal/jwt.js"

/**
 * The protected header: `alg`, `kid`, `typ` and Clerk's token category `cat`.
 *
 * @since 0.2.0
 * @category models
 */
export interface JwtHeader extends Header {}

/**
 * The payload as it claims to be: the registered claims Clerk's JWTs use, each
 * optional, and every other claim kept.
 *
 * @since 0.2.0
 * @category models
 */
export const UnverifiedClaims = Schema.Struct(
  {
    sub: Schema.optional(Schema.String),
    iss: Schema.optional(Schema.String),
    exp: Schema.optional(Schema.Number),
    iat: Schema.optional(Schema.Number),
    nbf: Schema.optional(Schema.Number),
    azp: Schema.optional(Schema.String),
    aud: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
    jti: Schema.optional(Schema.String),
    sid: Schema.optional(Schema.String)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
/**
 * @since 0.2.0
 * @category models
 */
export interface UnverifiedClaims extends Schema.Schema.Type<typeof UnverifiedClaims> {}

/**
 * @since 0.2.0
 * @category models
 */
export interface DecodedJwt {
  readonly header: JwtHeader
  readonly claims: UnverifiedClaims
  /** The signature, base64url, as received. */
  readonly signature: string
}

const decodePayload = Schema.decodeUnknown(Schema.parseJson(UnverifiedClaims))

/**
 * Splits and decodes a compact JWS without checking its signature or claims.
 * Fails with `Malformed` when it is not one, or its registered claims have the wrong types.
 *
 * @since 0.2.0
 * @category decoding
 */
export const decodeJwt = (token: string): Effect.Effect<DecodedJwt, TokenVerificationError> =>
  Effect.gen(function* () {
    const header = yield* decodeHeader(token)
    const [, payload = "", signature = ""] = token.split(".")
    const text = yield* Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(base64url.decode(payload)),
      catch: (cause) => refuse("Malformed", "the payload is not base64url UTF-8", cause)
    })
    const claims = yield* Effect.mapError(decodePayload(text), (cause) =>
      refuse("Malformed", "the payload is not a JSON object of JWT claims", cause)
    )
    return { header, claims, signature }
  })
