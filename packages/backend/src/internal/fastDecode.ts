/**
 * The building blocks of the generated decoders (of every model in
 * `Models.ts` and of the inline response schemas of the operation modules).
 * The decoders among them return the decoded value or throw `rejection` where
 * the schema would reject the input. Throwing keeps the generated code to one
 * expression per property (a smaller bundle than checks written out), and a
 * valid response, the rule, never throws; the response decoder catches the
 * rejection and Schema then explains it. They follow the rules of `fields.ts`
 * exactly; `fastDecode.test.ts` checks it on every schema that carries one.
 */
import * as Predicate from "effect/Predicate"
import type * as AST from "effect/SchemaAST"
import { constantWhereAbsent, isJsonObject, isOpenEnumValue, nullWhereAbsent } from "./fields.js"

export { isJsonObject, isOpenEnumValue }

/** Where a schema carries its generated decoder (`withFastDecode`). */
export const FastDecodeAnnotationId: unique symbol = Symbol.for("@effect-clerk/backend/FastDecodeAnnotation")

/**
 * `schema` with its generated decoder attached. A plain call rather than
 * `.annotations({ [FastDecodeAnnotationId]: ... })` in the generated code,
 * whose computed key a bundler must keep as a possible side effect.
 */
export const withFastDecode = <S extends { annotations(annotations: AST.Annotations): S }>(
  schema: S,
  decode: (input: unknown) => unknown
): S => schema.annotations({ [FastDecodeAnnotationId]: decode })

/** The generated decoder a schema's AST carries, if any. */
export const carried = (ast: AST.AST): ((input: unknown) => unknown) | undefined => {
  const decode = ast.annotations[FastDecodeAnnotationId]
  return Predicate.isFunction(decode) ? (decode as (input: unknown) => unknown) : undefined
}

/**
 * The generated decoder `schema` carries, for a decoder in another module; one
 * that carries none rejects everything, so Schema alone decodes.
 */
export const decoderOf = (schema: { readonly ast: AST.AST }): ((input: unknown) => unknown) =>
  carried(schema.ast) ?? reject

/** Thrown where Schema would reject the input. Not an `Error`: no stack trace is taken. */
const rejection: unique symbol = Symbol("rejection")

export const reject = (): never => {
  throw rejection
}

/** `decode(input)`, or `invalid` where it rejects `input`. */
export const attempt = (input: unknown, decode: (input: unknown) => unknown, invalid?: unknown): unknown => {
  try {
    return decode(input)
  } catch (error) {
    if (error !== rejection) throw error
    return invalid
  }
}

export const isRecord = Predicate.isRecord

export const string = (input: unknown): string => (typeof input === "string" ? input : reject())

export const number = (input: unknown): number => (typeof input === "number" ? input : reject())

export const boolean = (input: unknown): boolean => (typeof input === "boolean" ? input : reject())

/** `JsonObject` of `fields.ts`: kept as it is. */
export const jsonObject = (input: unknown): { readonly [key: string]: unknown } =>
  isJsonObject(input) ? input : reject()

/** `openEnum` of `fields.ts`. */
export const openEnum = (input: unknown): string => (isOpenEnumValue(input) ? input : reject())

export const unknown = (input: unknown): unknown => input

export const literal = <const A>(input: unknown, value: A): A => (input === value ? value : reject())

/** `constant` of `fields.ts`: the model's constant, also where the wire has none. */
export const constant = <const A>(input: unknown, value: A): A =>
  literal(constantWhereAbsent(input, value), value)

/** A value that Schema decodes to itself exactly when `test` holds. */
export const check = (input: unknown, test: (input: unknown) => boolean): unknown =>
  test(input) ? input : reject()

/**
 * `Schema.Array`. With `release`, each input item is let go of once decoded
 * (see `parseJsonFor` of `responseDecoder.ts`).
 */
export const array = <A>(input: unknown, decodeItem: (item: unknown) => A, release?: boolean): Array<A> => {
  if (!Array.isArray(input)) return reject()
  const length = input.length
  const output = new Array<A>(length)
  for (let i = 0; i < length; i++) {
    output[i] = decodeItem(input[i])
    if (release === true) input[i] = undefined
  }
  return output
}

/**
 * `Schema.Record({ key: Schema.String, value })` of a value that decodes to
 * itself. Schema assigns each key, which for a `__proto__` key sets no own
 * property (and would set the prototype to an object value): that key is skipped.
 */
export const recordOf = (input: unknown, test: (value: unknown) => boolean): { [key: string]: unknown } => {
  if (!isRecord(input)) return reject()
  const output: { [key: string]: unknown } = {}
  for (const key of Object.keys(input)) {
    const value = input[key]
    if (!test(value)) return reject()
    if (key !== "__proto__") output[key] = value
  }
  return output
}

/**
 * A property read only where it is an own property, for a wire name that every
 * object inherits (`constructor`, `valueOf`): an inherited one reads as absent.
 */
export const own = (input: { readonly [key: string]: unknown }, wireKey: string): unknown =>
  Object.hasOwn(input, wireKey) ? input[wireKey] : undefined

/** `nullable` of `fields.ts`: its rule for an absent value, then Schema's `NullOr`. */
export const nullable = <A>(value: unknown, decode: (value: unknown) => A): A | null => {
  const present = nullWhereAbsent(value)
  return present === null ? null : decode(present)
}

/** What `optional` gives where the wire has no such key: the decoded object gets none either. */
export const absent: unique symbol = Symbol("absent")

/**
 * `optional` of `fields.ts`: an absent wire key stays absent, a present
 * `undefined` is kept. `value` is `input[wireKey]`, read by the caller, whose
 * constant key keeps that read fast; only an `undefined` needs `hasOwn` to
 * tell a present key from an absent one.
 */
export const optional = (
  value: unknown,
  input: object,
  wireKey: string,
  decode: (value: unknown) => unknown
): unknown => (value !== undefined ? decode(value) : Object.hasOwn(input, wireKey) ? undefined : absent)

/** `optionalNullable` of `fields.ts`: `optional`, where `null` is kept too. */
export const optionalNullable = (
  value: unknown,
  input: object,
  wireKey: string,
  decode: (value: unknown) => unknown
): unknown =>
  value === null
    ? null
    : value !== undefined
      ? decode(value)
      : Object.hasOwn(input, wireKey)
        ? undefined
        : absent

/** A wire object, as `isRecord` leaves it. */
export type Wire = { readonly [key: string]: unknown }

/** A decoded model object while its constructor fills it. */
export type Built = { [key: string]: unknown }

/**
 * The decoder of a model with optional keys: `build` called with `new` on a
 * wire object. V8 sizes a constructor's objects for every `this.key` it
 * assigns, where an object literal holds only the keys written in it and each
 * key added later grows a separate store; for `User` that store was half the
 * garbage of decoding a page. The prototype stays `Object.prototype`, so the
 * objects are as plain as Schema's. The one `new` here serves every model: a
 * `new` written in each generated decoder was no faster, and added to every
 * program's bundle.
 */
export const model = (build: (this: Built, input: Wire) => void): ((input: unknown) => unknown) => {
  build.prototype = Object.prototype
  // A function expression has no construct signature in TypeScript; `build` is one at run time.
  const Model = build as unknown as new (input: Wire) => Built
  return (input) => (isRecord(input) ? new Model(input) : reject())
}

/**
 * One member of a union, tried in Schema's order: `decode(input)`, or
 * `undefined` where it rejects `input`. A member whose `tagKey` must hold `tag`
 * (or, with `untagged`, may also be absent) would reject any other value there,
 * so it is skipped without a try: the members a valid response does not match
 * cost no rejection.
 */
export const member = (
  input: unknown,
  decode: (input: unknown) => unknown,
  tagKey?: string,
  tag?: unknown,
  untagged?: boolean
): unknown => {
  if (tagKey !== undefined) {
    if (!isRecord(input)) return undefined
    const value = input[tagKey]
    if (!(value === tag || (untagged === true && value === undefined))) return undefined
  }
  return attempt(input, decode)
}
