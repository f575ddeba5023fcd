/**
 * The claims of the JWTs Clerk signs, decoded with their JWT names (`sub`,
 * `sid`, `azp`): they are a standard's names, not Clerk's snake_case wire.
 * Claims this SDK does not know (custom session claims) are kept.
 *
 * Claims that only feed authorization (`fea`, `pla`, `fva`, `o.per`, `o.fpm`,
 * the version 1 `org_*` claims) are kept as `Unknown` here and read by
 * `SessionAuth`, which treats a malformed one as absent (its checks then deny),
 * as Clerk's SDKs do, instead of refusing the whole token.
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
    aud: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
    jti: Schema.optional(Schema.String)
  },
  extra
)
/**
 * @since 0.1.0
 * @category models
 */
export interface JwtClaims extends Schema.Schema.Type<typeof JwtClaims> {}

/**
 * The active organization of a version 2 session token: its id, slug (`slg`),
 * role without the `org:` prefix (`rol`), the permission names (`per`) and,
 * per organization feature, a bitmap of which of those permissions the role
 * has (`fpm`).
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
/**
 * @since 0.1.0
 * @category models
 */
export interface OrganizationClaims extends Schema.Schema.Type<typeof OrganizationClaims> {}

/**
 * Who acts for the user (impersonation, agents).
 *
 * @since 0.1.0
 * @category models
 */
export const ActorClaim = Schema.Struct({ sub: Schema.String, type: Schema.optional(Schema.String) }, extra)
/**
 * @since 0.1.0
 * @category models
 */
export interface ActorClaim extends Schema.Schema.Type<typeof ActorClaim> {}

/**
 * A session token: the JWT claims plus the session (`sid`), its status (`sts`:
 * `active` or `pending`), the token version (`v`), the active organization
 * (`o` in version 2, `org_id`/`org_role`/`org_slug`/`org_permissions` in
 * version 1), features (`fea`) and plans (`pla`), the actor (`act`) and the
 * minutes since each factor was verified (`fva`).
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
    o: Schema.optional(OrganizationClaims),
    act: Schema.optional(ActorClaim),
    fea: Schema.optional(Schema.Unknown),
    pla: Schema.optional(Schema.Unknown),
    fva: Schema.optional(Schema.Unknown),
    org_id: Schema.optional(Schema.String),
    org_role: Schema.optional(Schema.String),
    org_slug: Schema.optional(Schema.String),
    org_permissions: Schema.optional(Schema.Unknown)
  },
  extra
)
/**
 * @since 0.1.0
 * @category models
 */
export interface SessionClaims extends Schema.Schema.Type<typeof SessionClaims> {}
