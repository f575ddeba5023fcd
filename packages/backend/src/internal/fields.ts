/**
 * Building blocks of the generated schemas. Each model property is camelCase on the
 * decoded side and keeps Clerk's wire name (snake_case) on the encoded side.
 *
 * Responses are decoded liberally (DESIGN.md "Decoding real responses"): a nullable
 * property may also be absent, enums are open, free-form objects are kept as they are.
 * Requests are encoded strictly: the generated params schemas carry the spec's
 * constraints and use plain `Schema.Literal` enums.
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

/*
 * Each helper's type is an interface of its own, as `Schema.optional`'s is: the
 * declaration files of the generated schemas then name a property
 * `nullable<typeof Schema.String, "first_name">` instead of spelling out its
 * property signature.
 */

/** A required property, renamed from `wireKey` on the wire. */
export interface required<S extends Schema.Schema.All, K extends string>
  extends Schema.PropertySignature<
    ":",
    Schema.Schema.Type<S>,
    K,
    ":",
    Schema.Schema.Encoded<S>,
    false,
    Schema.Schema.Context<S>
  > {}

/** A required property, renamed from `wireKey` on the wire. */
export const required = <S extends Schema.Schema.All, const K extends string>(
  schema: S,
  wireKey: K
): required<S, K> => Schema.propertySignature(schema).pipe(Schema.fromKey(wireKey))

/** An optional property (`key?: A`), renamed from `wireKey` on the wire. */
export interface optional<S extends Schema.Schema.All, K extends string>
  extends Schema.PropertySignature<
    "?:",
    Schema.Schema.Type<S> | undefined,
    K,
    "?:",
    Schema.Schema.Encoded<S> | undefined,
    false,
    Schema.Schema.Context<S>
  > {}

/** An optional property (`key?: A`), renamed from `wireKey` on the wire. */
export const optional = <S extends Schema.Schema.All, const K extends string>(
  schema: S,
  wireKey: K
): optional<S, K> => Schema.optional(schema).pipe(Schema.fromKey(wireKey))

/**
 * A property the spec marks required and nullable. Real responses sometimes omit
 * such properties, so an absent key decodes to `null` instead of failing.
 */
export interface nullable<S extends Schema.Schema.All, K extends string>
  extends Schema.PropertySignature<
    ":",
    Schema.Schema.Type<S> | null,
    K,
    "?:",
    Schema.Schema.Encoded<S> | null | undefined,
    true,
    Schema.Schema.Context<S>
  > {}

/** A required, nullable property that may also be absent (see the interface). */
export const nullable = <S extends Schema.Schema.All, const K extends string>(
  schema: S,
  wireKey: K
): nullable<S, K> => {
  // What `Schema.optionalWith(Schema.NullOr(schema), { default: () => null })` builds, without
  // bundling the machinery behind every other option of `optionalWith`.
  const self = Schema.NullOr(schema)
  return Schema.optionalToRequired(Schema.UndefinedOr(self), Schema.typeSchema(self), {
    decode: (value) => nullWhereAbsent(Option.getOrUndefined(value)),
    encode: Option.some
  }).pipe(Schema.withConstructorDefault(nullDefault), Schema.fromKey(wireKey))
}

/**
 * The rule of `nullable`, which the generated decoders (`fastDecode.ts`) apply
 * too: an absent (or `undefined`) value is `null`.
 */
export const nullWhereAbsent = <A>(value: A | undefined): A | null => (value === undefined ? null : value)

const nullDefault = () => null

/** An optional property that may also be `null`. */
export interface optionalNullable<S extends Schema.Schema.All, K extends string>
  extends Schema.PropertySignature<
    "?:",
    Schema.Schema.Type<S> | null | undefined,
    K,
    "?:",
    Schema.Schema.Encoded<S> | null | undefined,
    false,
    Schema.Schema.Context<S>
  > {}

/** An optional property that may also be `null`. */
export const optionalNullable = <S extends Schema.Schema.All, const K extends string>(
  schema: S,
  wireKey: K
): optionalNullable<S, K> => Schema.optional(Schema.NullOr(schema)).pipe(Schema.fromKey(wireKey))

/**
 * An enum in a response. Clerk adds values without a new API version, so any
 * string decodes. The known literals are in the type only, for completion: at
 * run time the list would decide nothing, yet every program would carry it.
 */
export interface openEnum<Literal extends string> extends Schema.Schema<Literal | (string & {}), string> {}

/** What an `openEnum` accepts, for its schema and the generated decoders alike: any string. */
export const isOpenEnumValue = (u: unknown): u is string => typeof u === "string"

/** An enum in a response (see the interface). */
export const openEnum = <const Literal extends string>(): openEnum<Literal> =>
  Schema.declare((u: unknown): u is Literal | (string & {}) => isOpenEnumValue(u), {
    identifier: "OpenEnum",
    jsonSchema: { type: "string" },
    arbitrary: () => (fc) => fc.string(),
    pretty: () => (s) => JSON.stringify(s),
    equivalence: () => (a, b) => a === b
  })

/** What a `JsonObject` accepts, for its schema and the generated decoders alike: any object but an array. */
export const isJsonObject = (u: unknown): u is { readonly [key: string]: unknown } => Predicate.isRecord(u)

/**
 * A free-form JSON object such as `public_metadata`. It is user data: decoded as
 * the very object `JSON.parse` produced, so no key is renamed or dropped and a
 * `__proto__` key stays an own key instead of becoming a prototype.
 */
export const JsonObject: Schema.Schema<{ readonly [key: string]: unknown }> = Schema.declare(isJsonObject, {
  identifier: "JsonObject",
  jsonSchema: { type: "object" },
  arbitrary: () => (fc) => fc.dictionary(fc.string(), fc.jsonValue()),
  equivalence: () => (a, b) => JSON.stringify(a) === JSON.stringify(b)
})

/** A UTF-16 surrogate without its partner: no UTF-8 encoding exists for it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * A string sent to Clerk. A lone surrogate has no UTF-8 form: URL encoding would
 * throw on it in a path and replace it in a query, and Clerk's JSON decoder would
 * replace it in a body, so it is refused before sending rather than altered.
 */
export interface WireString extends Schema.filter<typeof Schema.String> {}

/** A string sent to Clerk, well-formed Unicode (see the interface). */
export const WireString: WireString = Schema.String.pipe(
  Schema.filter((s) => !loneSurrogate.test(s) || "must be well-formed Unicode (it holds a lone surrogate)", {
    identifier: "WireString"
  })
)

/**
 * Where `value` stops being JSON data, or `undefined` when all of it is: a value
 * `JSON.stringify` would throw on (a BigInt, a cycle), silently change (`NaN`, a
 * `Date`, a class instance) or drop (`undefined` in an array, a function, a symbol).
 */
const notJson = (
  value: unknown,
  path: ReadonlyArray<string | number>,
  ancestors: ReadonlyArray<object>
): { readonly path: ReadonlyArray<string | number>; readonly message: string } | undefined => {
  switch (typeof value) {
    case "string":
      return loneSurrogate.test(value)
        ? { path, message: "must be well-formed Unicode (it holds a lone surrogate)" }
        : undefined
    case "boolean":
      return undefined
    case "number":
      return Number.isFinite(value) ? undefined : { path, message: `${value} is not a JSON number` }
    case "object": {
      if (value === null) return undefined
      if (ancestors.includes(value)) return { path, message: "is a circular reference" }
      const inner = [...ancestors, value]
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const issue = notJson(value[i], [...path, i], inner)
          if (issue !== undefined) return issue
        }
        return undefined
      }
      const prototype = Object.getPrototypeOf(value)
      if (prototype !== Object.prototype && prototype !== null)
        return { path, message: "is not a plain object (JSON would not keep it as it is)" }
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue
        const issue = notJson(item, [...path, key], inner)
        if (issue !== undefined) return issue
      }
      return undefined
    }
    default:
      return { path, message: `a ${typeof value} is not JSON data` }
  }
}

const jsonData = (value: unknown) => {
  const issue = notJson(value, [], [])
  return issue === undefined ? true : issue.path.length === 0 ? issue.message : issue
}

/** Free-form JSON sent to Clerk (metadata): checked to be JSON data all through, so nothing is altered on the way. */
export const JsonObjectData = JsonObject.pipe(Schema.filter(jsonData, { identifier: "JsonObjectData" }))

/** A param of any JSON value, checked like `JsonObjectData`. */
export const JsonData = Schema.Unknown.pipe(Schema.filter(jsonData, { identifier: "JsonData" }))

/**
 * A value substituted into a URL path. Percent-encoding keeps `/`, `?` and `#`
 * inside the segment, but an empty, `.` or `..` segment would still change the
 * route after URL normalisation, so those are refused before sending.
 */
export interface PathSegment extends Schema.filter<WireString> {}

/** A value substituted into a URL path (see the interface). */
export const PathSegment: PathSegment = WireString.pipe(
  Schema.filter(
    (s) =>
      s === "" || s === "." || s === ".." ? "must be a non-empty path segment other than '.' or '..'" : true,
    {
      identifier: "PathSegment"
    }
  )
)

/**
 * A model's constant `object` (`"invitation"`). Older responses and webhook
 * payloads may lack it, which says nothing against the model: an absent key
 * decodes to the constant. Any other value is still refused (inside a
 * discriminated union that sends the object to its `unknownVariant`).
 */
export interface constant<Literal extends string>
  extends Schema.PropertySignature<":", Literal, never, "?:", Literal | undefined, false, never> {}

/** A model's constant `object`, filled in where absent (see the interface). */
export const constant = <const Literal extends string>(value: Literal): constant<Literal> => {
  const self = Schema.Literal(value)
  return Schema.optionalToRequired(Schema.UndefinedOr(self), self, {
    decode: (wire) => constantWhereAbsent(Option.getOrUndefined(wire), value),
    encode: Option.some
  })
}

/**
 * The rule of `constant`, which the generated decoders (`fastDecode.ts`) apply
 * too: an absent (or `undefined`) value is the constant.
 */
export const constantWhereAbsent = <A>(value: A | undefined, constant: A): A =>
  value === undefined ? constant : value

/**
 * A property of `unknownVariant`, renamed from `wireKey`: decoded by `schema`
 * (the union of what the known members declare for it) where that accepts the
 * value; a value it does not accept is left out, as an unknown property would
 * be, so the decoded type stays true and the response still decodes.
 */
export interface variantField<A, K extends string>
  extends Schema.PropertySignature<"?:", A, K, "?:", unknown, false, never> {}

/** A property of `unknownVariant` (see the interface). */
export const variantField = <A, I, const K extends string>(
  schema: Schema.Schema<A, I>,
  wireKey: K
): variantField<A, K> => {
  // Built on first use, so importing a module of models compiles no parser.
  let decoder: ((input: unknown) => Option.Option<A>) | undefined
  let encoder: ((value: A) => Option.Option<I>) | undefined
  const decode = (input: unknown) => {
    decoder ??= ParseResult.decodeUnknownOption(schema)
    return decoder(input)
  }
  const encode = (value: A) => {
    encoder ??= ParseResult.encodeOption(schema)
    return encoder(value)
  }
  return Schema.optionalToOptional(Schema.Unknown, Schema.typeSchema(schema), {
    decode: Option.flatMap(decode),
    encode: Option.flatMap(encode)
  }).pipe(Schema.fromKey(wireKey))
}

/** Where an `unknownVariant` carries its decoder, for `decodeUnknownVariant`. */
const UnknownVariantDecodeId: unique symbol = Symbol.for("@effect-clerk/backend/UnknownVariantDecode")

const isKnown = (value: unknown, known: ReadonlyArray<string>) =>
  typeof value === "string" && known.includes(value)

/**
 * The first member of a discriminated union: an object whose discriminator is
 * missing (older responses, webhook payloads) or not one of the `known` values
 * (a variant Clerk added later). One such object must not fail the whole
 * response, nor reach the caller in wire shape: it decodes to `fields`, every
 * property a known member declares, each optional and decoded by
 * `variantField`, the discriminator kept as a plain string.
 *
 * Its fast decoder (`decodeUnknownVariant`) applies to each property the very
 * function Schema applies: a response decodes such an object rarely, and no
 * generated copy of these rules has to agree with them.
 */
export interface unknownVariant<Fields extends Schema.Struct.Fields>
  extends Schema.transform<
    Schema.declare<{ readonly [key: string]: unknown }>,
    Schema.filter<Schema.Struct<Fields>>
  > {}

/** The generic variant of a discriminated union (see the interface). */
export const unknownVariant = <const Fields extends Schema.Struct.Fields>(
  discriminator: string,
  known: ReadonlyArray<string>,
  fields: Fields
): unknownVariant<Fields> => {
  const isUnknownVariant = (u: unknown): u is { readonly [key: string]: unknown } =>
    Predicate.isRecord(u) && !isKnown(u[discriminator], known)
  const struct = Schema.Struct(fields)
  const properties = Object.entries(fields).map(([key, field]) => {
    if (!Schema.isPropertySignature(field) || field.ast._tag !== "PropertySignatureTransformation")
      throw new Error(`unknownVariant: ${key} is not a variantField`)
    const { fromKey } = field.ast.from
    return { key, wireKey: typeof fromKey === "string" ? fromKey : key, decode: field.ast.decode }
  })
  const decode = (input: unknown): unknown => {
    if (!isUnknownVariant(input)) return undefined
    const output: Record<string, unknown> = {}
    for (const { key, wireKey, decode } of properties) {
      const value = decode(Object.hasOwn(input, wireKey) ? Option.some(input[wireKey]) : Option.none())
      if (Option.isSome(value)) output[key] = value.value
    }
    return output
  }
  const wire = Schema.declare(isUnknownVariant, {
    identifier: `UnknownVariant(${discriminator})`,
    // Any JSON under the known wire keys: values some member accepts, and others it must leave out.
    arbitrary: () => (fc) =>
      fc.record(
        Object.fromEntries(
          properties.map(({ wireKey }) => [
            wireKey,
            wireKey === discriminator ? fc.constant(`unknown_${discriminator}`) : fc.jsonValue()
          ])
        ),
        { requiredKeys: [] }
      ),
    equivalence: () => (a, b) => JSON.stringify(a) === JSON.stringify(b)
  })
  // Also on the decoded side, where a `nullable` property checks its decoded value
  // again: a known member's value must be left to that member, not rebuilt as this one.
  const decoded = struct.pipe(Schema.filter((value) => !isKnown(Reflect.get(value, discriminator), known)))
  // On the outer transformation, which the decoded side (`Schema.typeSchema`) does not keep.
  return Schema.compose(wire, decoded, { strict: false }).annotations({ [UnknownVariantDecodeId]: decode })
}

/**
 * What the generated decoder of a discriminated union asks first: the decoded
 * `variant` (an `unknownVariant`) where `input` is one, else `undefined`.
 */
export const decodeUnknownVariant = (variant: { readonly ast: AST.AST }, input: unknown): unknown => {
  const decode = variant.ast.annotations[UnknownVariantDecodeId]
  return Predicate.isFunction(decode) ? decode(input) : undefined
}

/** A file for the multipart upload operations. */
export const Upload = Schema.Union(Schema.Uint8ArrayFromSelf, Schema.instanceOf(Blob))

/**
 * Params whose spec says "at least one of these groups of fields is present"
 * (`anyOf` of `required` lists), checked before sending.
 */
export const presentAnyOf =
  (groups: ReadonlyArray<ReadonlyArray<string>>) =>
  <A extends object, I, R>(self: Schema.Schema<A, I, R>): Schema.Schema<A, I, R> =>
    self.pipe(
      Schema.filter((params: A) => {
        const present = (name: string) =>
          Object.hasOwn(params, name) && Reflect.get(params, name) !== undefined
        return (
          groups.some((group) => group.every(present)) ||
          `expected ${groups.map((group) => group.join(" and ")).join(", or ")} to be present`
        )
      })
    )
