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
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { FastDecodeAnnotationId, decodesToItself } from "./compiledDecoder.js"

/** A required property, renamed from `wireKey` on the wire. */
export const required = <S extends Schema.Schema.All, const K extends string>(schema: S, wireKey: K) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(wireKey))

/** An optional property (`key?: A`), renamed from `wireKey` on the wire. */
export const optional = <S extends Schema.Schema.All, const K extends string>(schema: S, wireKey: K) =>
  Schema.optional(schema).pipe(Schema.fromKey(wireKey))

/**
 * A property the spec marks required and nullable. Real responses sometimes omit
 * such properties, so an absent key decodes to `null` instead of failing.
 */
export const nullable = <S extends Schema.Schema.All, const K extends string>(schema: S, wireKey: K) => {
  // What `Schema.optionalWith(Schema.NullOr(schema), { default: () => null })` builds, without
  // bundling the machinery behind every other option of `optionalWith`.
  const self = Schema.NullOr(schema)
  return Schema.optionalToRequired(Schema.UndefinedOr(self), Schema.typeSchema(self), {
    decode: (value) => (Option.isNone(value) || value.value === undefined ? null : value.value),
    encode: Option.some
  }).pipe(Schema.withConstructorDefault(nullDefault), Schema.fromKey(wireKey))
}

const nullDefault = () => null

/** An optional property that may also be `null`. */
export const optionalNullable = <S extends Schema.Schema.All, const K extends string>(
  schema: S,
  wireKey: K
) => Schema.optional(Schema.NullOr(schema)).pipe(Schema.fromKey(wireKey))

/**
 * An enum in a response. Clerk adds values without a new API version, so any
 * string decodes. The known literals are in the type only, for completion: at
 * run time the list would decide nothing, yet every program would carry it.
 */
export const openEnum = <const Literal extends string>(): Schema.Schema<Literal | (string & {}), string> =>
  Schema.declare((u: unknown): u is Literal | (string & {}) => Predicate.isString(u), {
    identifier: "OpenEnum",
    [FastDecodeAnnotationId]: decodesToItself(Predicate.isString),
    jsonSchema: { type: "string" },
    arbitrary: () => (fc) => fc.string(),
    pretty: () => (s) => JSON.stringify(s),
    equivalence: () => (a, b) => a === b
  })

/**
 * A free-form JSON object such as `public_metadata`. It is user data: decoded as
 * the very object `JSON.parse` produced, so no key is renamed or dropped and a
 * `__proto__` key stays an own key instead of becoming a prototype.
 */
export const JsonObject: Schema.Schema<{ readonly [key: string]: unknown }> = Schema.declare(
  Predicate.isRecord,
  {
    identifier: "JsonObject",
    [FastDecodeAnnotationId]: decodesToItself(Predicate.isRecord),
    jsonSchema: { type: "object" },
    arbitrary: () => (fc) => fc.dictionary(fc.string(), fc.jsonValue()),
    equivalence: () => (a, b) => JSON.stringify(a) === JSON.stringify(b)
  }
)

/** A UTF-16 surrogate without its partner: no UTF-8 encoding exists for it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * A string sent to Clerk. A lone surrogate has no UTF-8 form: URL encoding would
 * throw on it in a path and replace it in a query, and Clerk's JSON decoder would
 * replace it in a body, so it is refused before sending rather than altered.
 */
export const WireString = Schema.String.pipe(
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
export const PathSegment = WireString.pipe(
  Schema.filter(
    (s) =>
      s === "" || s === "." || s === ".." ? "must be a non-empty path segment other than '.' or '..'" : true,
    {
      identifier: "PathSegment"
    }
  )
)

/**
 * The last member of a discriminated union: an object whose discriminator is
 * missing or not one of the known values. Clerk adds variants over time; one
 * unknown variant must not fail the whole response, so it decodes to the raw object.
 */
const isKnown = (value: unknown, known: ReadonlyArray<string>) =>
  typeof value === "string" && known.includes(value)

export const unknownVariant = (discriminator: string, known: ReadonlyArray<string>) => {
  const isUnknownVariant = (u: unknown): u is { readonly [key: string]: unknown } =>
    Predicate.isRecord(u) && !isKnown(u[discriminator], known)
  return Schema.declare(isUnknownVariant, {
    identifier: `UnknownVariant(${discriminator})`,
    [FastDecodeAnnotationId]: decodesToItself(isUnknownVariant),
    arbitrary: () => (fc) => fc.record({ [discriminator]: fc.constant(`unknown_${discriminator}`) }),
    equivalence: () => (a, b) => JSON.stringify(a) === JSON.stringify(b)
  })
}

/** A file for the multipart upload operations. */
export const Upload = /* @__PURE__ */ Schema.Union(
  Schema.Uint8ArrayFromSelf,
  /* @__PURE__ */ Schema.instanceOf(Blob)
)

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
