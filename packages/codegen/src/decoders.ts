/**
 * Generated fast-path decoders for the response models and the operation
 * modules' inline response schemas: for each a plain
 * function (a constructor, where the model has optional keys) that checks the
 * wire value and builds the camelCase object with fixed keys in one pass, one
 * expression per property. Where the model's Schema would reject the input, the
 * runtime's helpers (`internal/fastDecode.ts`) throw and Schema then explains
 * why. They follow the rules of `internal/fields.ts` exactly;
 * `fastDecode.test.ts` proves it on every one.
 */
import { camelCase, upperFirst } from "./naming.js"
import {
  type Context,
  alternatives,
  fieldsOf,
  constantTag,
  isNullable,
  isTagProperty,
  mergeAllOf,
  modelName,
  presenceOf,
  unknownVariantOf,
  use
} from "./schemas.js"
import { type JsonSchema, refName, resolve } from "./spec.js"

/**
 * How a value is decoded: `test` when Schema decodes it to itself exactly when
 * the test holds (`decoder` names the runtime's decoder for that test, where it
 * has one), `apply` when decoding builds a new value. An `apply` expression, like
 * every decoder, throws the runtime's rejection where Schema would reject.
 */
type Value =
  | {
      readonly kind: "test"
      readonly test: (v: string) => string
      readonly decoder?: string
      readonly literal?: unknown
    }
  | {
      readonly kind: "apply"
      readonly apply: (v: string) => string
      /** The function `apply` calls on the value alone, where it is one. */
      readonly decoder?: string
    }

/**
 * What the decoders of one module share: the function names taken, and how
 * the module reaches a model's decoder declared in another module (the models
 * module's own decoders are reached by name).
 */
export interface Registry {
  readonly names: Set<string>
  readonly external?: (component: string) => string
}

export const makeRegistry = (external?: (component: string) => string): Registry =>
  external === undefined ? { names: new Set() } : { names: new Set(), external }

/** The functions written so far for one model, in dependency order. */
interface Output extends Registry {
  readonly functions: Array<string>
}

const decoderName = (model: string) => `decode${model}`

const literal = (value: unknown) => JSON.stringify(value)

const test = (check: (v: string) => string, decoder?: string): Value =>
  decoder === undefined ? { kind: "test", test: check } : { kind: "test", test: check, decoder }

const anything = test(() => "true", "Decode.unknown")

/** A value decoded by the function named `decoder`. */
const call = (decoder: string): Value => ({ kind: "apply", apply: (v) => `${decoder}(${v})`, decoder })

const uniqueName = (out: Output, wanted: string) => {
  let name = wanted
  for (let i = 2; out.names.has(name); i++) name = `${wanted}${i}`
  out.names.add(name)
  return name
}

/** The expression decoding `v`. */
const decode = (value: Value, v: string, out: Output, name: string): string => {
  if (value.kind === "apply") return value.apply(v)
  if (value === anything) return v
  if (value.decoder !== undefined) return `${value.decoder}(${v})`
  if (value.literal !== undefined) return `Decode.literal(${v}, ${literal(value.literal)})`
  return `Decode.check(${v}, ${predicateOf(value, out, name)})`
}

/** A name for the decoder of `value` as a function, writing one where the value has none. */
const decoderOf = (value: Value, out: Output, name: string): string => {
  if (value.decoder !== undefined) return value.decoder
  const expression = decode(value, "input", out, name)
  const fn = uniqueName(out, `decode${name}`)
  out.functions.push(`function ${fn}(input: unknown): unknown {\n  return ${expression}\n}`)
  return fn
}

/** A name for the test of a value that decodes to itself, writing one where it has none. */
const predicateOf = (value: Value & { readonly kind: "test" }, out: Output, name: string): string => {
  const fn = uniqueName(out, `is${name}`)
  out.functions.push(`function ${fn}(input: unknown): boolean {\n  return ${value.test("input")}\n}`)
  return fn
}

/** Schema's `NullOr`: the value or `null` (here an absent key or `undefined` is not `null`). */
const orNull = (value: Value): Value =>
  value.kind === "test"
    ? test((v) => `(${v} === null || ${value.test(v)})`)
    : { kind: "apply", apply: (v) => `(${v} === null ? null : ${value.apply(v)})` }

const decoding = (schema: JsonSchema, ctx: Context, out: Output, name: string): Value => {
  const inner = nonNullDecoding(schema, ctx, out, name)
  return isNullable(schema) ? orNull(inner) : inner
}

const nonNullDecoding = (
  schema: JsonSchema,
  ctx: Context,
  out: Output,
  name: string,
  propertyName?: string
): Value => {
  if (schema.$ref !== undefined) {
    const model = modelName(refName(schema.$ref))
    if (out.names.has(decoderName(model))) return call(decoderName(model))
    // Every model has a decoder (`modelDecoders`); another module reaches it through its schema.
    if (out.external !== undefined) return call(out.external(refName(schema.$ref)))
    return decoding(resolve(ctx.spec, schema), ctx, out, model)
  }
  if (schema.allOf !== undefined) {
    if (schema.allOf.length === 1) return nonNullDecoding(schema.allOf[0]!, ctx, out, name, propertyName)
    return struct(mergeAllOf(ctx, schema), ctx, out, name)
  }
  const members = alternatives(schema)
  if (schema.discriminator !== undefined)
    return union(members, ctx.modelRef(unknownVariantOf(schema)), ctx, out, name)
  if (members.length === 1) return nonNullDecoding(members[0]!, ctx, out, name, propertyName)
  if (members.length > 1) return union(members, undefined, ctx, out, name)
  if (schema.enum !== undefined) {
    const values = schema.enum.filter((value) => value !== null)
    const strict = isTagProperty(propertyName) || values.some((v) => typeof v !== "string")
    if (!strict) return test((v) => `Decode.isOpenEnumValue(${v})`, "Decode.openEnum")
    const check = (v: string) => values.map((value) => `${v} === ${literal(value)}`).join(" || ")
    return values.length === 1 ? { kind: "test", test: check, literal: values[0] } : test(check)
  }
  switch (schema.type) {
    case "string":
      if (schema.format === "binary") throw new Error("binary strings only occur in requests")
      return test((v) => `typeof ${v} === "string"`, "Decode.string")
    case "integer":
    case "number":
      return test((v) => `typeof ${v} === "number"`, "Decode.number")
    case "boolean":
      return test((v) => `typeof ${v} === "boolean"`, "Decode.boolean")
    case "array": {
      const item = decoding(schema.items ?? {}, ctx, out, `${name}Item`)
      const fn = decoderOf(item, out, `${name}Item`)
      return { kind: "apply", apply: (v) => `Decode.array(${v}, ${fn})` }
    }
    case "object":
    case undefined:
      if (schema.properties !== undefined && Object.keys(schema.properties).length > 0)
        return struct(schema, ctx, out, name)
      if (
        typeof schema.additionalProperties === "object" &&
        Object.keys(schema.additionalProperties).length > 0
      ) {
        const entry = decoding(schema.additionalProperties, ctx, out, `${name}Value`)
        if (entry.kind !== "test") throw new Error(`${name}: records of decoded values are not supported`)
        const fn = predicateOf(entry, out, `${name}Value`)
        return { kind: "apply", apply: (v) => `Decode.recordOf(${v}, ${fn})` }
      }
      return schema.type === "object"
        ? test((v) => `Decode.isJsonObject(${v})`, "Decode.jsonObject")
        : anything
    default:
      throw new Error(`unsupported schema type ${schema.type}`)
  }
}

/** Whether a wire name is one that every object inherits, so a plain read may find it on the prototype. */
const isInherited = (wireName: string) => wireName in Object.prototype

interface LiteralProperty {
  readonly wireName: string
  readonly value: unknown
  readonly required: boolean
}

/**
 * The properties of `member` that hold one literal, which it rejects any other
 * value of. A constant tag is not required on the wire (an absent one is filled in).
 */
const literalProperties = (member: JsonSchema, ctx: Context): ReadonlyArray<LiteralProperty> => {
  const resolved = resolve(ctx.spec, member)
  const object = resolved.allOf !== undefined ? mergeAllOf(ctx, resolved) : resolved
  return fieldsOf(object).flatMap((field) => {
    const values = field.schema.enum?.filter((value) => value !== null) ?? []
    const strict = isTagProperty(field.wireName) || values.some((v) => typeof v !== "string")
    return strict && values.length === 1 && !isNullable(field.schema)
      ? [
          {
            wireName: field.wireName,
            value: values[0],
            required: field.required && constantTag(field) === undefined
          }
        ]
      : []
  })
}

/**
 * Schema tries the members filed under a literal property first, then the
 * others, each group in declaration order; the first member that decodes wins.
 * A discriminated union's generic variant (`unknownVariant`, its first member)
 * is among the others, before every other member.
 */
const union = (
  members: ReadonlyArray<JsonSchema>,
  generic: string | undefined,
  ctx: Context,
  out: Output,
  name: string
): Value => {
  const fn = uniqueName(out, decoderName(name))
  const variants: Array<{
    readonly tagged: boolean
    readonly guard: LiteralProperty | undefined
    readonly value: Value
    readonly name: string
  }> = members.map((member, i) => {
    // A member's rejection is `undefined`, told apart from its value by `??`: no member may decode to `null`.
    if (isNullable(member) || isNullable(resolve(ctx.spec, member)))
      throw new Error(`${name}: nullable union members are not supported`)
    const literals = literalProperties(member, ctx)
    const readable = literals.filter((property) => !isInherited(property.wireName))
    return {
      // Schema's union search files a member under a required literal property.
      tagged: literals.some((property) => property.required),
      // A literal property lets the member be skipped without trying it.
      guard: readable.find((property) => property.required) ?? readable[0],
      value: decoding(member, ctx, out, `${name}Variant${i + 1}`),
      name: `${name}Variant${i + 1}`
    }
  })
  // Its decoder is the one `unknownVariant` carries (fields.ts), asked first.
  const attempts: Array<string> = []
  if (generic !== undefined) {
    if (variants.some((variant) => variant.tagged))
      throw new Error(`${name}: a member Schema tries before the generic variant`)
    attempts.push(`${use(ctx, "decodeUnknownVariant")}(${generic}, input)`)
  }
  const steps = [
    ...variants.filter((variant) => variant.tagged),
    ...variants.filter((variant) => !variant.tagged)
  ]
  const tests: Array<string> = []
  for (const { value, guard, name: variantName } of steps) {
    if (value.kind === "test") {
      // A member that decodes to itself is a plain test, written before the members tried in turn.
      if (attempts.length > 0)
        throw new Error(`${name}: a member that decodes to itself after one that builds`)
      tests.push(`  if (${value.test("input")}) return input`)
      continue
    }
    const skip =
      guard === undefined
        ? ""
        : `, ${literal(guard.wireName)}, ${literal(guard.value)}${guard.required ? "" : ", true"}`
    attempts.push(`Decode.member(input, ${decoderOf(value, out, variantName)}${skip})`)
  }
  const body = [...tests, `  return ${[...attempts, "Decode.reject()"].join(" ??\n    ")}`]
  out.functions.push(`function ${fn}(input: unknown): unknown {\n${body.join("\n")}\n}`)
  return call(fn)
}

/**
 * How a wire property is read. Each read is written out with its constant key,
 * which keeps it monomorphic. The input comes from `JSON.parse`, whose objects
 * inherit only from `Object.prototype`: unless the key names one of its
 * members, a value read is an own value.
 */
const plainRead = (wireName: string) =>
  /^[A-Za-z_]\w*$/.test(wireName) ? `input.${wireName}` : `input[${literal(wireName)}]`

const read = (wireName: string) =>
  isInherited(wireName) ? `Decode.own(input, ${literal(wireName)})` : plainRead(wireName)

/** An optional key's read, which answers `Decode.absent` where the key is. */
interface OptionalRead {
  readonly key: string
  readonly read: string
}

const struct = (schema: JsonSchema, ctx: Context, out: Output, name: string): Value => {
  const fn = uniqueName(out, decoderName(name))
  // Fixed keys in the Schema's order, each as `[key, expression]`, or, where an
  // optional key may be absent, as `{ key, read }`, stored only when present.
  const properties: Array<readonly [key: string, expression: string] | OptionalRead> = []
  for (const field of fieldsOf(schema)) {
    const key = camelCase(field.wireName)
    // The helper of `fields.ts` the model's Schema uses for the property.
    const how = presenceOf(field, ctx)
    const plain = plainRead(field.wireName)
    if (how === "constant") {
      properties.push([key, `Decode.constant(${plain}, ${literal(constantTag(field))})`])
      continue
    }
    const value = nonNullDecoding(field.schema, ctx, out, `${name}${upperFirst(key)}`, field.wireName)
    const wire = literal(field.wireName)
    if (how === "optional" || how === "optionalNullable") {
      const decoder = decoderOf(value, out, `${name}${upperFirst(key)}`)
      // Stored here, by name: a store inside a shared helper would see every model's keys and be slow.
      properties.push({ key, read: `Decode.${how}(${read(field.wireName)}, input, ${wire}, ${decoder})` })
      continue
    }
    // A required key is read as Schema reads it, inherited or not.
    const expression =
      how === "required"
        ? decode(value, plain, out, `${name}${upperFirst(key)}`)
        : `Decode.nullable(${read(field.wireName)}, ${decoderOf(value, out, `${name}${upperFirst(key)}`)})`
    properties.push([key, expression])
  }
  const pairs = properties.filter(
    (property): property is readonly [key: string, expression: string] => !("read" in property)
  )
  if (pairs.length === properties.length) {
    const entries = pairs.map(([key, expression]) => `    ${key}: ${expression}`)
    out.functions.push(
      `function ${fn}(input: unknown): unknown {\n  if (!Decode.isRecord(input)) return Decode.reject()\n  return {\n${entries.join(",\n")}\n  }\n}`
    )
    return call(fn)
  }
  // With an optional key the object is built by a constructor (`Decode.model`), which V8 sizes for all keys.
  const reads = properties.length - pairs.length
  const statements = properties.map((property) =>
    "read" in property
      ? `  ${reads === 1 ? "const " : ""}value = ${property.read}\n  if (value !== Decode.absent) this.${property.key} = value`
      : `  this.${property[0]} = ${property[1]}`
  )
  out.functions.push(
    `const ${fn} = Decode.model(function (this: Decode.Built, input: Decode.Wire) {\n${reads === 1 ? "" : "  let value: unknown\n"}${statements.join("\n")}\n})`
  )
  return call(fn)
}

/**
 * The decoder functions of one model or inline response schema (its own and
 * the inline ones it needs). Every one gets a decoder, also where it decodes a
 * value to itself, so that a schema referring to it can call it. A
 * discriminated union's generic variant carries its own (`unknownVariant` of
 * fields.ts) and gets none.
 */
export const modelDecoders = (
  name: string,
  schema: JsonSchema,
  ctx: Context,
  registry: Registry
): { readonly code: string; readonly decoder?: string } => {
  if (schema["x-unknown-variant-of"] !== undefined) return { code: "" }
  const out: Output = { ...registry, functions: [] }
  // A nullable model's decoder wraps the one of its non-null value.
  const value = decoding(schema, ctx, out, isNullable(schema) ? `${name}Value` : name)
  const decoder = decoderName(name)
  if (value.decoder !== decoder) {
    if (out.names.has(decoder)) throw new Error(`${decoder} names two functions`)
    out.names.add(decoder)
    out.functions.push(
      `function ${decoder}(input: unknown): unknown {\n  return ${decode(value, "input", out, name)}\n}`
    )
  }
  const described = out.functions.map((fn) =>
    fn.startsWith(`function ${decoder}(`) || fn.startsWith(`const ${decoder} =`)
      ? `/** \`${name}\` from the wire; rejects what its Schema must explain. */\n${fn}`
      : fn
  )
  return { code: described.join("\n\n"), decoder }
}
