/**
 * Generated fast-path decoders for the response models: for each model a plain
 * function that checks the wire value and builds the camelCase object with
 * fixed keys in one pass, or returns `undefined` where the model's Schema would
 * reject the input (the runtime then runs Schema to explain why). They follow
 * the rules of `internal/fields.ts` exactly; `compiledDecoder.test.ts` proves
 * it on every model.
 */
import { camelCase, upperFirst } from "./naming.js"
import {
  type Context,
  alternatives,
  discriminatorValues,
  fieldsOf,
  isNullable,
  isTagProperty,
  mergeAllOf,
  modelName
} from "./schemas.js"
import { type JsonSchema, refName, resolve } from "./spec.js"

/**
 * How a value is decoded: `test` when Schema decodes it to itself exactly when
 * the test holds, `apply` when decoding builds a new value (or `undefined`).
 */
type Value =
  | { readonly kind: "test"; readonly test: (v: string) => string; readonly predicate?: string }
  | { readonly kind: "apply"; readonly apply: (v: string) => string }

/** What the decoders of all models share: the function names taken. */
export interface Registry {
  readonly names: Set<string>
}

export const makeRegistry = (): Registry => ({ names: new Set() })

/** The functions written so far for one model, in dependency order. */
interface Output extends Registry {
  readonly functions: Array<string>
}

const decoderName = (model: string) => `decode${model}`

const literal = (value: unknown) => JSON.stringify(value)

const test = (check: (v: string) => string, predicate?: string): Value =>
  predicate === undefined ? { kind: "test", test: check } : { kind: "test", test: check, predicate }

const anything = test(() => "true")

const uniqueName = (out: Output, wanted: string) => {
  let name = wanted
  for (let i = 2; out.names.has(name); i++) name = `${wanted}${i}`
  out.names.add(name)
  return name
}

/** A name for `value` as a function, writing one where the value has none. */
const functionOf = (value: Value, out: Output, name: string): string => {
  if (value.kind === "test") {
    if (value.predicate !== undefined) return value.predicate
    const fn = uniqueName(out, `is${name}`)
    out.functions.push(`function ${fn}(input: unknown): boolean {\n  return ${value.test("input")}\n}`)
    return fn
  }
  const direct = /^(\w+)\(v\)$/.exec(value.apply("v"))
  if (direct !== null) return direct[1]!
  const fn = uniqueName(out, `decode${name}`)
  out.functions.push(`function ${fn}(input: unknown): unknown {\n  return ${value.apply("input")}\n}`)
  return fn
}

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
    return out.names.has(decoderName(model))
      ? { kind: "apply", apply: (v) => `${decoderName(model)}(${v})` }
      : decoding(resolve(ctx.spec, schema), ctx, out, model)
  }
  if (schema.allOf !== undefined) {
    if (schema.allOf.length === 1) return nonNullDecoding(schema.allOf[0]!, ctx, out, name, propertyName)
    return struct(mergeAllOf(ctx, schema), ctx, out, name)
  }
  const members = alternatives(schema)
  const tag = schema.discriminator?.propertyName
  if (tag !== undefined) return union(schema, members, tag, ctx, out, name)
  if (members.length === 1) return nonNullDecoding(members[0]!, ctx, out, name, propertyName)
  if (members.length > 1) return union(schema, members, undefined, ctx, out, name)
  if (schema.enum !== undefined) {
    const values = schema.enum.filter((value) => value !== null)
    const strict = isTagProperty(propertyName) || values.some((v) => typeof v !== "string")
    if (!strict) return test((v) => `typeof ${v} === "string"`, "isString")
    return test((v) => values.map((value) => `${v} === ${literal(value)}`).join(" || "))
  }
  switch (schema.type) {
    case "string":
      if (schema.format === "binary") throw new Error("binary strings only occur in requests")
      return test((v) => `typeof ${v} === "string"`, "isString")
    case "integer":
    case "number":
      return test((v) => `typeof ${v} === "number"`, "isNumber")
    case "boolean":
      return test((v) => `typeof ${v} === "boolean"`, "isBoolean")
    case "array": {
      const item = decoding(schema.items ?? {}, ctx, out, `${name}Item`)
      const fn = functionOf(item, out, `${name}Item`)
      return {
        kind: "apply",
        apply: (v) => (item.kind === "test" ? `checkArray(${v}, ${fn})` : `decodeArray(${v}, ${fn})`)
      }
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
        const fn = functionOf(entry, out, `${name}Value`)
        return { kind: "apply", apply: (v) => `checkRecord(${v}, ${fn})` }
      }
      return schema.type === "object" ? test((v) => `isRecord(${v})`, "isRecord") : anything
    default:
      throw new Error(`unsupported schema type ${schema.type}`)
  }
}

/** Whether Schema's union search files `member` under a required literal property. */
const isTagged = (member: JsonSchema, ctx: Context): boolean => {
  const resolved = resolve(ctx.spec, member)
  if (isNullable(member) || isNullable(resolved)) return false
  const object = resolved.allOf !== undefined ? mergeAllOf(ctx, resolved) : resolved
  return fieldsOf(object).some((field) => {
    const values = field.schema.enum?.filter((value) => value !== null) ?? []
    const strict = isTagProperty(field.wireName) || values.some((v) => typeof v !== "string")
    return field.required && !isNullable(field.schema) && strict && values.length === 1
  })
}

/**
 * Schema tries the members filed under a literal property first, then the
 * others, each group in declaration order; the first member that decodes wins.
 * `unknownVariant` (a discriminated union's first member) is among the others.
 */
const union = (
  schema: JsonSchema,
  members: ReadonlyArray<JsonSchema>,
  tag: string | undefined,
  ctx: Context,
  out: Output,
  name: string
): Value => {
  const fn = uniqueName(out, decoderName(name))
  const variants = members.map((member, i) => ({
    member,
    value: decoding(member, ctx, out, `${name}Variant${i + 1}`)
  }))
  const lines: Array<string> = []
  const tagged = variants.filter(({ member }) => isTagged(member, ctx))
  const others = variants.filter(({ member }) => !isTagged(member, ctx))
  if (tag !== undefined) {
    const known = members.flatMap((member) => discriminatorValues(ctx, member, tag))
    const list = uniqueName(out, `known${name}Variants`)
    out.functions.push(`const ${list}: ReadonlyArray<string> = [${known.map(literal).join(", ")}]`)
    others.unshift({
      member: schema,
      value: test((v) => `isUnknownVariant(${v}, ${literal(tag)}, ${list})`)
    })
  }
  for (const [i, { value }] of [...tagged, ...others].entries()) {
    if (value.kind === "test") lines.push(`  if (${value.test("input")}) return input`)
    else
      lines.push(
        `  const variant${i + 1} = ${value.apply("input")}`,
        `  if (variant${i + 1} !== undefined) return variant${i + 1}`
      )
  }
  out.functions.push(`function ${fn}(input: unknown): unknown {\n${lines.join("\n")}\n  return undefined\n}`)
  return { kind: "apply", apply: (v) => `${fn}(${v})` }
}

/** Names a property's local variable cannot take: reserved words and the decoder's own names. */
const taken = new Set([
  ..."break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval".split(
    " "
  ),
  ..."input output absent orAbsent isRecord checkArray checkRecord decodeArray isUnknownVariant".split(" ")
])

/** How a property is read, after `fields.ts`: which helper the model's Schema uses for it. */
const presence = (required: boolean, nullable: boolean) =>
  required ? (nullable ? "nullable" : "required") : nullable ? "optionalNullable" : "optional"

const struct = (schema: JsonSchema, ctx: Context, out: Output, name: string): Value => {
  const fn = uniqueName(out, decoderName(name))
  const body: Array<string> = ["  if (!isRecord(input)) return undefined"]
  const keys: Array<{ readonly key: string; readonly local: string; readonly optional: boolean }> = []
  for (const field of fieldsOf(schema)) {
    const key = camelCase(field.wireName)
    const local = taken.has(key) ? `${key}Value` : key
    const how = presence(field.required, isNullable(field.schema))
    const value = nonNullDecoding(field.schema, ctx, out, `${name}${upperFirst(key)}`, field.wireName)
    const wire = literal(field.wireName)
    const read = /^[A-Za-z_]\w*$/.test(field.wireName) ? `input.${field.wireName}` : `input[${wire}]`
    const raw = `${key}Wire`
    // Each read is written out with its constant key, which keeps it monomorphic.
    // The input comes from `JSON.parse`, whose objects inherit only from `Object.prototype`:
    // unless the key names one of its members, a value read is an own value, and only an
    // `undefined` needs `hasOwn` to tell a present key from an absent one.
    const inherited = field.wireName in Object.prototype
    const ownRead = inherited
      ? `Object.hasOwn(input, ${wire}) ? ${read} : absent`
      : `orAbsent(input, ${wire}, ${read})`
    const nullableRead = inherited
      ? `Object.hasOwn(input, ${wire}) ? (${read} ?? null) : null`
      : `${read} ?? null`
    if (how === "required") {
      if (value.kind === "test") {
        body.push(`  const ${local} = ${read}`, `  if (!(${value.test(local)})) return undefined`)
      } else {
        body.push(`  const ${local} = ${value.apply(read)}`, `  if (${local} === undefined) return undefined`)
      }
    } else if (how === "nullable") {
      // Absent, `undefined` and `null` all decode to `null`.
      if (value.kind === "test") {
        body.push(
          `  const ${local} = ${nullableRead}`,
          `  if (!(${local} === null || ${value.test(local)})) return undefined`
        )
      } else {
        body.push(
          `  const ${raw} = ${nullableRead}`,
          `  const ${local} = ${raw} === null ? null : ${value.apply(raw)}`,
          `  if (${local} === undefined) return undefined`
        )
      }
    } else {
      // An absent key stays absent; a present `undefined` is kept.
      const trivial = (v: string) =>
        how === "optionalNullable" ? `${v} === undefined || ${v} === null` : `${v} === undefined`
      if (value.kind === "test") {
        body.push(
          `  const ${local} = ${ownRead}`,
          `  if (!(${local} === absent || ${trivial(local)} || ${value.test(local)})) return undefined`
        )
      } else {
        body.push(
          `  const ${raw} = ${ownRead}`,
          `  const ${local} = ${raw} === absent || ${trivial(raw)} ? ${raw} : ${value.apply(raw)}`,
          `  if (${local} === undefined && ${raw} !== undefined) return undefined`
        )
      }
    }
    keys.push({ key, local, optional: how === "optional" || how === "optionalNullable" })
  }
  // Fixed keys in the Schema's order: one literal up to the first optional key, then assignments.
  const firstOptional = keys.findIndex((k) => k.optional)
  const prefix = firstOptional === -1 ? keys : keys.slice(0, firstOptional)
  const rest = firstOptional === -1 ? [] : keys.slice(firstOptional)
  body.push(
    `  const output: { [key: string]: unknown } = { ${prefix.map((k) => (k.key === k.local ? k.key : `${k.key}: ${k.local}`)).join(", ")} }`
  )
  for (const { key, local, optional } of rest)
    body.push(optional ? `  if (${local} !== absent) output.${key} = ${local}` : `  output.${key} = ${local}`)
  body.push("  return output")
  out.functions.push(`function ${fn}(input: unknown): unknown {\n${body.join("\n")}\n}`)
  return { kind: "apply", apply: (v) => `${fn}(${v})` }
}

/**
 * The decoder functions of one model (its own and the inline ones it needs),
 * or nothing where the model decodes a value to itself (Schema's path is as fast).
 */
export const modelDecoders = (
  component: string,
  schema: JsonSchema,
  ctx: Context,
  registry: Registry
): { readonly code: string; readonly decoder?: string } => {
  const name = modelName(component)
  const out: Output = { ...registry, functions: [] }
  // A nullable model's decoder wraps the one of its non-null value.
  const value = decoding(schema, ctx, out, isNullable(schema) ? `${name}Value` : name)
  if (value.kind === "test") return { code: out.functions.join("\n\n") }
  const decoder = decoderName(name)
  if (value.apply("v") !== `${decoder}(v)`) {
    if (out.names.has(decoder)) throw new Error(`${decoder} names two functions`)
    out.names.add(decoder)
    out.functions.push(`function ${decoder}(input: unknown): unknown {\n  return ${value.apply("input")}\n}`)
  }
  const described = out.functions.map((fn) =>
    fn.startsWith(`function ${decoder}(`)
      ? `/** \`${name}\` from the wire, or \`undefined\` where its Schema must explain what is wrong. */\n${fn}`
      : fn
  )
  return { code: described.join("\n\n"), decoder }
}
