/**
 * One user to import, in two shapes: `ClerkRecord`, Clerk's migration format
 * as a file holds it (the shape every adapter maps to), and `ImportUser`, the
 * checked form that is sent to Clerk and put on a queue.
 *
 * @since 0.1.0
 */
import type * as Users from "@effect-clerk/backend/Users"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The password hashers Clerk accepts for `password_digest`.
 *
 * @since 0.1.0
 * @category models
 */
export const Hasher = Schema.Literal(
  "argon2i",
  "argon2id",
  "bcrypt",
  "bcrypt_sha256_django",
  "ldap_ssha",
  "md5",
  "md5_phpass",
  "pbkdf2_sha1",
  "pbkdf2_sha256",
  "pbkdf2_sha256_django",
  "pbkdf2_sha512",
  "pbkdf2_sha512_hex",
  "phpass",
  "scrypt_firebase",
  "scrypt_werkzeug",
  "sha256",
  "sha512_symfony"
)

/** A hasher in a file: one message naming them all instead of one per literal. */
const HasherCell = Schema.String.pipe(
  Schema.filter((value): value is Hasher => Schema.is(Hasher)(value), {
    message: (issue) =>
      `unknown password hasher ${JSON.stringify(issue.actual)}; Clerk's are ${Hasher.literals.join(", ")}`
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Hasher = typeof Hasher.Type

const Metadata = Schema.Record({ key: Schema.String, value: Schema.Unknown })
/** JSON files hold metadata as objects, CSV cells as JSON text. */
const MetadataCell = Schema.Union(Metadata, Schema.parseJson(Metadata))
const BooleanCell = Schema.Union(Schema.Boolean, Schema.BooleanFromString)
const isEmail = (value: string) => /^[^\s@]+@[^\s@]+$/.test(value)
const isPhone = (value: string) => /^\+[1-9][0-9]{3,14}$/.test(value)
const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))
/** One value or a list of them; each is checked with `check`. */
const OneOrMany = (check: (value: string) => boolean, what: string) =>
  Schema.Union(Schema.String, Schema.Array(Schema.String)).pipe(
    Schema.filter((value) => {
      const bad = (typeof value === "string" ? [value] : value).filter((item) => !check(item))
      return bad.length === 0 || `${bad.map((item) => JSON.stringify(item)).join(", ")}: not ${what}`
    })
  )
/** An ISO 8601 date or epoch milliseconds (as a number, or digits in a CSV cell). */
const Timestamp = Schema.Union(Schema.Number, Schema.String).pipe(
  Schema.filter((value) => !Number.isNaN(toDate(value).getTime()), {
    message: () => "not a date (ISO 8601 or epoch milliseconds)"
  })
)
const toDate = (value: string | number): Date =>
  new Date(typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value)

/**
 * A row of Clerk's migration format (the JSON array of clerk/migration-script),
 * with a few optional extensions: several emails or phones, their verified state,
 * a username and `createdAt`. Unknown keys are refused, so a misspelt column
 * is reported instead of silently dropped.
 *
 * @since 0.1.0
 * @category models
 */
export const ClerkRecord = Schema.Struct({
  /** The user's id in the system you migrate from; becomes Clerk's `external_id`. */
  userId: NonEmpty,
  email: Schema.optional(OneOrMany(isEmail, "an email address")),
  /** Default `true`; `false` creates the emails reserved (unverified). */
  emailVerified: Schema.optional(BooleanCell),
  phone: Schema.optional(OneOrMany(isPhone, "a phone number in E.164 form (+15551234567)")),
  phoneVerified: Schema.optional(BooleanCell),
  username: Schema.optional(NonEmpty),
  firstName: Schema.optional(Schema.String),
  lastName: Schema.optional(Schema.String),
  /** A password digest, as `passwordHasher` produced it. */
  password: Schema.optional(NonEmpty),
  /** Default `bcrypt`, as in Clerk's migration script. */
  passwordHasher: Schema.optional(HasherCell),
  public_metadata: Schema.optional(MetadataCell),
  private_metadata: Schema.optional(MetadataCell),
  unsafe_metadata: Schema.optional(MetadataCell),
  createdAt: Schema.optional(Timestamp)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ClerkRecord = typeof ClerkRecord.Encoded

const Identifier = <K extends string>(key: K) =>
  Schema.Struct({ [key]: Schema.String, verified: Schema.Boolean } as {
    [P in K]: typeof Schema.String
  } & { verified: typeof Schema.Boolean })

/**
 * A checked user, ready to send. Its JSON form is what a queue holds.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportUser = Schema.Struct({
  externalId: Schema.String,
  emails: Schema.Array(Identifier("address")),
  phones: Schema.Array(Identifier("number")),
  username: Schema.optional(Schema.String),
  firstName: Schema.optional(Schema.String),
  lastName: Schema.optional(Schema.String),
  password: Schema.optional(Schema.Struct({ digest: Schema.String, hasher: Hasher })),
  publicMetadata: Schema.optional(Metadata),
  privateMetadata: Schema.optional(Metadata),
  unsafeMetadata: Schema.optional(Metadata),
  /** ISO 8601. */
  createdAt: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ImportUser extends Schema.Schema.Type<typeof ImportUser> {}

/**
 * A user with the line of the file it came from.
 *
 * @since 0.1.0
 * @category models
 */
export const Row = Schema.Struct({ line: Schema.Number, user: ImportUser })

/**
 * @since 0.1.0
 * @category models
 */
export interface Row extends Schema.Schema.Type<typeof Row> {}

const asArray = <A>(value: A | ReadonlyArray<A> | undefined): ReadonlyArray<A> =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as A]

/**
 * One message per field: a field that fails every member of a union (an optional
 * one fails `undefined` too) would otherwise be reported once per member.
 *
 * @since 0.1.0
 * @category decoding
 */
export const describeError = (error: ParseResult.ParseError): string => {
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.join(".")
    if (!byPath.has(path)) byPath.set(path, issue.message)
  }
  return Array.from(byPath, ([path, message]) => (path === "" ? message : `${path}: ${message}`)).join("; ")
}

const decodeRecord = Schema.decodeUnknownEither(ClerkRecord, { onExcessProperty: "error", errors: "all" })

/**
 * Checks one record of Clerk's migration format: the reason it is refused, in
 * words that name the field, or the user to send.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromRecord = (record: unknown): Either.Either<ImportUser, string> =>
  Either.flatMap(
    Either.mapLeft(decodeRecord(record), describeError),
    (row): Either.Either<ImportUser, string> => {
      const emails = asArray(row.email).map((address) => ({ address, verified: row.emailVerified ?? true }))
      const phones = asArray(row.phone).map((number) => ({ number, verified: row.phoneVerified ?? true }))
      if (emails.length === 0 && phones.length === 0 && row.username === undefined) {
        return Either.left("no email, phone or username: Clerk needs an identifier to sign in with")
      }
      if (row.passwordHasher !== undefined && row.password === undefined) {
        return Either.left("passwordHasher without a password digest")
      }
      return Either.right({
        externalId: row.userId,
        emails,
        phones,
        ...(row.username !== undefined && { username: row.username }),
        ...(row.firstName !== undefined && { firstName: row.firstName }),
        ...(row.lastName !== undefined && { lastName: row.lastName }),
        ...(row.password !== undefined && {
          password: { digest: row.password, hasher: row.passwordHasher ?? "bcrypt" }
        }),
        ...(row.public_metadata !== undefined && { publicMetadata: row.public_metadata }),
        ...(row.private_metadata !== undefined && { privateMetadata: row.private_metadata }),
        ...(row.unsafe_metadata !== undefined && { unsafeMetadata: row.unsafe_metadata }),
        ...(row.createdAt !== undefined && { createdAt: toDate(row.createdAt).toISOString() })
      })
    }
  )

/**
 * The row as Clerk's migration format writes it: what `users export` produces
 * and `users diff` compares.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toRecord = (user: ImportUser): ClerkRecord => {
  const emails = user.emails.map((email) => email.address)
  const phones = user.phones.map((phone) => phone.number)
  return {
    userId: user.externalId,
    ...(emails.length > 0 && { email: emails.length === 1 ? emails[0]! : emails }),
    ...(user.emails.some((email) => !email.verified) && { emailVerified: false }),
    ...(phones.length > 0 && { phone: phones.length === 1 ? phones[0]! : phones }),
    ...(user.phones.some((phone) => !phone.verified) && { phoneVerified: false }),
    ...(user.username !== undefined && { username: user.username }),
    ...(user.firstName !== undefined && { firstName: user.firstName }),
    ...(user.lastName !== undefined && { lastName: user.lastName }),
    ...(user.password !== undefined && {
      password: user.password.digest,
      passwordHasher: user.password.hasher
    }),
    ...(user.publicMetadata !== undefined && { public_metadata: user.publicMetadata }),
    ...(user.privateMetadata !== undefined && { private_metadata: user.privateMetadata }),
    ...(user.unsafeMetadata !== undefined && { unsafe_metadata: user.unsafeMetadata }),
    ...(user.createdAt !== undefined && { createdAt: user.createdAt })
  }
}

/**
 * The `Users.create` params for a user: emails and phones that were not
 * verified are created reserved.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toCreateParams = (user: ImportUser): Users.CreateParams => ({
  externalId: user.externalId,
  ...(user.emails.length > 0 && {
    emailAddress: user.emails.map((email) => email.address),
    emailAddressIdentificationStatus: user.emails.map((email) => (email.verified ? "verified" : "reserved"))
  }),
  ...(user.phones.length > 0 && {
    phoneNumber: user.phones.map((phone) => phone.number),
    phoneNumberIdentificationStatus: user.phones.map((phone) => (phone.verified ? "verified" : "reserved"))
  }),
  ...(user.username !== undefined && { username: user.username }),
  ...(user.firstName !== undefined && { firstName: user.firstName }),
  ...(user.lastName !== undefined && { lastName: user.lastName }),
  ...(user.password !== undefined
    ? { passwordDigest: user.password.digest, passwordHasher: user.password.hasher }
    : { skipPasswordRequirement: true }),
  ...(user.publicMetadata !== undefined && { publicMetadata: user.publicMetadata }),
  ...(user.privateMetadata !== undefined && { privateMetadata: user.privateMetadata }),
  ...(user.unsafeMetadata !== undefined && { unsafeMetadata: user.unsafeMetadata }),
  ...(user.createdAt !== undefined && { createdAt: user.createdAt })
})
