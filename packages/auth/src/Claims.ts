/**
 * The claims of the JWTs Clerk signs, decoded with their JWT names (`sub`,
 * `sid`, `azp`): they are a standard's names, not Clerk's snake_case wire.
 * Claims this SDK does not know (custom session claims) are kept.
 *
 * @see https://clerk.com/docs/backend-requests/resources/session-tokens
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * The registered claims every Clerk JWT carries.
 *
 * @since 0.1.0
 * @category models
 */
export const JwtClaims = Schema.Struct(
  {
    sub: Schema.String,
    iss: Schema.String,
    exp: Schema.Number,
    iat: Schema.Number,
    nbf: Schema.optional(Schema.Number),
    azp: Schema.optional(Schema.String),
    jti: Schema.optional(Schema.String)
  },
  extra
)
export interface JwtClaims extends Schema.Schema.Type<typeof JwtClaims> {}

/**
 * The active organization of a version 2 session token.
 *
 * @since 0.1.0
 * @category models
 */
export const OrganizationClaims = Schema.Struct(
  {
    id: Schema.String,
    rol: Schema.optional(Schema.String),
    slg: Schema.optional(Schema.String),
    per: Schema.optional(Schema.String),
    fpm: Schema.optional(Schema.String)
  },
  extra
)
export interface OrganizationClaims extends Schema.Schema.Type<typeof OrganizationClaims> {}

/**
 * A session token: the JWT claims plus the session (`sid`), its status (`sts`),
 * the token version (`v`) and, when one is active, the organization (`o`).
 *
 * @since 0.1.0
 * @category models
 */
export const SessionClaims = Schema.Struct(
  {
    ...JwtClaims.fields,
    sid: Schema.String,
    sts: Schema.optional(Schema.String),
    v: Schema.optional(Schema.Number),
    o: Schema.optional(OrganizationClaims)
  },
  extra
)
export interface SessionClaims extends Schema.Schema.Type<typeof SessionClaims> {}
