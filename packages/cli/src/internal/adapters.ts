/**
 * Maps the user exports of other providers to Clerk's migration format, which
 * `ImportRow.fromRecord` then checks like any other row: one set of rules for
 * every source. Fields of an export that Clerk has no place for (login counts,
 * identities, ...) are not migrated.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type ClerkRecord, describeError } from "../ImportRow.js"

/** Firebase's `hash_config` (Authentication > Users > Password hash parameters). */
export const FirebaseHashConfig = Schema.Struct({
  base64_signer_key: Schema.String,
  base64_salt_separator: Schema.String,
  rounds: Schema.Number,
  mem_cost: Schema.Number
})
export type FirebaseHashConfig = typeof FirebaseHashConfig.Type

export interface AdapterOptions {
  readonly firebaseHashConfig?: FirebaseHashConfig | undefined
}

export type Adapter = (record: unknown, options: AdapterOptions) => Either.Either<unknown, string>

const Json = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const JsonCell = Schema.Union(Json, Schema.parseJson(Json))
const Flag = Schema.Union(Schema.Boolean, Schema.BooleanFromString)
const Text = Schema.optional(Schema.String)

const reading =
  <A, I>(
    schema: Schema.Schema<A, I>,
    map: (record: A, options: AdapterOptions) => Either.Either<unknown, string>
  ) =>
  (record: unknown, options: AdapterOptions): Either.Either<unknown, string> => {
    const decoded = Schema.decodeUnknownEither(schema, { errors: "all" })(record)
    return Either.isLeft(decoded) ? Either.left(describeError(decoded.left)) : map(decoded.right, options)
  }

const defined = <A extends Record<string, unknown>>(record: A): Partial<A> =>
  Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined && value !== "")
  ) as Partial<A>

/** Auth0's user export (Dashboard extension or Management API job), and its password-hash export. */
const Auth0 = Schema.Struct({
  user_id: Text,
  _id: Schema.optional(Schema.Union(Schema.String, Schema.Struct({ $oid: Schema.String }))),
  email: Text,
  email_verified: Schema.optional(Flag),
  phone_number: Text,
  phone_verified: Schema.optional(Flag),
  username: Text,
  given_name: Text,
  family_name: Text,
  passwordHash: Text,
  created_at: Schema.optional(Schema.Union(Schema.String, Schema.Struct({ $date: Schema.String }))),
  user_metadata: Schema.optional(JsonCell),
  app_metadata: Schema.optional(JsonCell)
})

const auth0 = reading(Auth0, (user) => {
  const id = user.user_id ?? (typeof user._id === "object" ? user._id.$oid : user._id)
  if (id === undefined) return Either.left("user_id: is missing")
  const record: ClerkRecord = defined({
    // The password-hash export names users by their database id alone.
    userId: id.includes("|") || user.user_id !== undefined ? id : `auth0|${id}`,
    email: user.email,
    emailVerified: user.email_verified,
    phone: user.phone_number,
    phoneVerified: user.phone_verified,
    username: user.username,
    firstName: user.given_name,
    lastName: user.family_name,
    password: user.passwordHash,
    passwordHasher: user.passwordHash !== undefined ? "bcrypt" : undefined,
    unsafe_metadata: user.user_metadata,
    private_metadata: user.app_metadata,
    createdAt: typeof user.created_at === "object" ? user.created_at.$date : user.created_at
  }) as ClerkRecord
  return Either.right(record)
})

/** One user of `firebase auth:export --format=JSON` (or its CSV form with the same names). */
const Firebase = Schema.Struct({
  localId: Schema.String,
  email: Text,
  emailVerified: Schema.optional(Flag),
  phoneNumber: Text,
  displayName: Text,
  passwordHash: Text,
  salt: Text,
  createdAt: Text,
  customAttributes: Schema.optional(JsonCell)
})

const firebase = reading(Firebase, (user, options) => {
  let password: string | undefined
  if (user.passwordHash !== undefined && user.passwordHash !== "") {
    const config = options.firebaseHashConfig
    if (config === undefined) {
      return Either.left("passwordHash: a Firebase password hash needs --firebase-hash-config")
    }
    // Clerk's scrypt_firebase digest: hash$salt$signer key$salt separator$rounds$memory cost.
    password = [
      user.passwordHash,
      user.salt ?? "",
      config.base64_signer_key,
      config.base64_salt_separator,
      config.rounds,
      config.mem_cost
    ].join("$")
  }
  const [firstName, ...rest] = (user.displayName ?? "").trim().split(/\s+/)
  const record: ClerkRecord = defined({
    userId: user.localId,
    email: user.email,
    emailVerified: user.emailVerified,
    phone: user.phoneNumber,
    firstName,
    lastName: rest.join(" "),
    password,
    passwordHasher: password !== undefined ? "scrypt_firebase" : undefined,
    public_metadata: user.customAttributes,
    createdAt: user.createdAt
  }) as ClerkRecord
  return Either.right(record)
})

/** A row of Supabase's `auth.users` table (exported as CSV or JSON). */
const Supabase = Schema.Struct({
  id: Schema.String,
  email: Schema.optional(Schema.NullOr(Schema.String)),
  email_confirmed_at: Schema.optional(Schema.NullOr(Schema.String)),
  phone: Schema.optional(Schema.NullOr(Schema.String)),
  phone_confirmed_at: Schema.optional(Schema.NullOr(Schema.String)),
  encrypted_password: Schema.optional(Schema.NullOr(Schema.String)),
  raw_user_meta_data: Schema.optional(Schema.NullOr(JsonCell)),
  raw_app_meta_data: Schema.optional(Schema.NullOr(JsonCell)),
  created_at: Schema.optional(Schema.NullOr(Schema.String))
})

const present = <A>(value: A | null | undefined): A | undefined => (value === null ? undefined : value)

const supabase = reading(Supabase, (user) => {
  const phone = present(user.phone)
  const record: ClerkRecord = defined({
    userId: user.id,
    email: present(user.email),
    emailVerified: present(user.email_confirmed_at) !== undefined,
    // Supabase stores phones without the leading +.
    phone: phone !== undefined && phone !== "" && !phone.startsWith("+") ? `+${phone}` : phone,
    phoneVerified: present(user.phone_confirmed_at) !== undefined,
    password: present(user.encrypted_password),
    passwordHasher: present(user.encrypted_password) ? "bcrypt" : undefined,
    unsafe_metadata: present(user.raw_user_meta_data),
    private_metadata: present(user.raw_app_meta_data),
    createdAt: present(user.created_at)
  }) as ClerkRecord
  return Either.right(record)
})

export const adapters = {
  clerk: (record: unknown) => Either.right(record),
  auth0,
  firebase,
  supabase
} as const satisfies Record<string, Adapter>

export type Format = keyof typeof adapters
