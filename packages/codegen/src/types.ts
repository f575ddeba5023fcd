/**
 * The TypeScript types a schema decodes to and from (a model, or an operation's
 * params), written out as the schemas of `schemas.ts` build them. A model's interfaces then state its
 * fields in the declaration files, where `Schema.Schema.Type<typeof User_>`
 * would leave every program that uses `User` to work them out of the schema's
 * type again. Building the package checks each pair of interfaces against its
 * schema (`Schema.Schema<User, UserEncoded>` takes nothing else), so the two
 * cannot drift apart.
 */
import { camelCase } from "./naming.js"
import {
  type Context,
  type Field,
  alternatives,
  constantTag,
  emitShaped,
  fieldsOf,
  isNullable,
  isNullableProperty,
  isTagProperty,
  mergeAllOf,
  modelName,
  unknownVariantOf
} from "./schemas.js"
import { type JsonSchema, type Spec, refName, resolve } from "./spec.js"

/** The decoded side (`Type`) or the wire side (`Encoded`). */
export type Side = "Type" | "Encoded"

const literal = (value: unknown) => JSON.stringify(value)

const union = (types: ReadonlyArray<string>) => [...new Set(types)].join(" | ")

const shapes = new WeakMap<Spec, Map<string, boolean>>()

/** Whether a component is declared with interfaces of its own (`User`, `UserEncoded`): an object's are. */
const hasInterfaces = (spec: Spec, component: string): boolean => {
  const known = shapes.get(spec) ?? new Map<string, boolean>()
  shapes.set(spec, known)
  let named = known.get(component)
  if (named === undefined) {
    const ctx: Context = { spec, mode: "response", modelRef: modelName }
    named = emitShaped(spec.components.schemas[component]!, ctx).shape === "struct"
    known.set(component, named)
  }
  return named
}

/** A component by the names its module declares (`Models.User`, `Models.UserEncoded`). */
const reference = (component: string, ctx: Context, side: Side): string => {
  const name = ctx.modelRef(component)
  const schema = ctx.spec.components.schemas[component]!
  if (!hasInterfaces(ctx.spec, component)) return side === "Type" ? name : `typeof ${name}.Encoded`
  const type = side === "Type" ? name : `${name}Encoded`
  return isNullable(schema) ? `${type} | null` : type
}

/** A property as `readonly key: type`, or `readonly key?: type` where it may be absent. */
const property = (key: string, type: string, optional: boolean) =>
  `readonly ${/^[A-Za-z_$][\w$]*$/.test(key) ? key : literal(key)}${optional ? "?" : ""}: ${type}`

/** One property of an object, by the rules of `emitField`. */
const fieldType = (field: Field, ctx: Context, side: Side, valueType?: string): string => {
  const key = side === "Type" ? camelCase(field.wireName) : field.wireName
  const response = ctx.mode === "response"
  const constant = response ? constantTag(field) : undefined
  if (constant !== undefined)
    return side === "Type"
      ? property(key, literal(constant), false)
      : property(key, `${literal(constant)} | undefined`, true)
  const inner = valueType ?? nonNullType(field.schema, ctx, side, field.wireName)
  const nullable = response ? isNullableProperty(field.schema, ctx) : isNullable(field.schema)
  if (field.required && !nullable) return property(key, inner, false)
  if (field.required)
    return side === "Type" || !response
      ? property(key, `${inner} | null`, false)
      : property(key, `${inner} | null | undefined`, true)
  if (nullable) return property(key, `${inner} | null | undefined`, true)
  return property(key, `${inner} | undefined`, true)
}

/** An object's members, `{ ... }`; params open to more keys take any JSON under them (`emitObject`). */
export const objectType = (schema: JsonSchema, ctx: Context, side: Side): string => {
  const members = `{ ${fieldsOf(schema)
    .map((field) => fieldType(field, ctx, side))
    .join("; ")} }`
  return ctx.mode === "request" && schema.additionalProperties === true
    ? `${members} & { readonly [x: string]: unknown }`
    : members
}

/** The members of a discriminated union's generic variant (`unknownVariant` of `fields.ts`). */
const unknownVariantType = (schema: JsonSchema, ctx: Context, side: Side): string =>
  side === "Encoded"
    ? "{ readonly [key: string]: unknown }"
    : `{ ${fieldsOf(schema)
        .map((field) => property(camelCase(field.wireName), typeOf(field.schema, ctx, side), true))
        .join("; ")} }`

const nonNullType = (schema: JsonSchema, ctx: Context, side: Side, propertyName?: string): string => {
  if (schema.$ref !== undefined)
    return ctx.mode === "response"
      ? reference(refName(schema.$ref), ctx, side)
      : nonNullType(resolve(ctx.spec, schema), ctx, side, propertyName)
  if (schema.allOf !== undefined) {
    if (schema.allOf.length === 1) return nonNullType(schema.allOf[0]!, ctx, side, propertyName)
    return objectType(mergeAllOf(ctx, schema), ctx, side)
  }
  const members = alternatives(schema)
  if (schema.discriminator?.propertyName !== undefined && ctx.mode === "response")
    return union([
      reference(unknownVariantOf(schema), ctx, side),
      ...members.map((member) => typeOf(member, ctx, side))
    ])
  if (schema["x-unknown-variant-of"] !== undefined) return unknownVariantType(schema, ctx, side)
  if (members.length === 1) return nonNullType(members[0]!, ctx, side, propertyName)
  if (members.length > 1) return union(members.map((member) => typeOf(member, ctx, side)))
  if (schema.enum !== undefined) {
    const values = schema.enum.filter((value) => value !== null)
    const strict =
      ctx.mode === "request" || isTagProperty(propertyName) || values.some((v) => typeof v !== "string")
    if (strict || side === "Type")
      return union([...values.map(literal), ...(strict ? [] : ["(string & {})"])])
    return "string"
  }
  switch (schema.type) {
    case "string":
      return schema.format === "binary" ? "Uint8Array | Blob" : "string"
    case "integer":
    case "number":
      return "number"
    case "boolean":
      return "boolean"
    case "array":
      return `ReadonlyArray<${typeOf(schema.items ?? {}, ctx, side)}>`
    case "object":
    case undefined:
      if (schema.properties !== undefined && Object.keys(schema.properties).length > 0)
        return objectType(schema, ctx, side)
      if (
        typeof schema.additionalProperties === "object" &&
        Object.keys(schema.additionalProperties).length > 0
      )
        return `{ readonly [x: string]: ${typeOf(schema.additionalProperties, ctx, side)} }`
      // `JsonObject` (`JsonObjectData` in params), `Schema.Unknown` (`JsonData`).
      return schema.type === "object" ? "{ readonly [key: string]: unknown }" : "unknown"
    default:
      throw new Error(`unsupported schema type ${schema.type}`)
  }
}

/** The type of `schema` on `side`, `null` included where the spec allows it. */
export const typeOf = (schema: JsonSchema, ctx: Context, side: Side): string => {
  const inner = nonNullType(schema, ctx, side)
  return isNullable(schema) ? `${inner} | null` : inner
}

/** An operation's param, as `schemas.ts` declares it: path params are safe segments or enum values. */
export interface Param extends Field {
  readonly location: "path" | "query" | "body"
}

/** The members of an operation's params on `side`, as an interface's body. */
export const paramsBody = (params: ReadonlyArray<Param>, ctx: Context, side: Side): string =>
  `{ ${params
    .map((param) => {
      if (param.location !== "path") return fieldType(param, ctx, side)
      const resolved = resolve(ctx.spec, param.schema)
      const value =
        resolved.enum !== undefined || resolved.type !== "string"
          ? nonNullType(resolved, ctx, side)
          : "string"
      return fieldType(param, ctx, side, value)
    })
    .join("; ")} }`

/** The members of an object schema (or a generic variant) on `side`, as an interface's body. */
export const interfaceBody = (schema: JsonSchema, ctx: Context, side: Side): string => {
  const resolved = resolve(ctx.spec, schema)
  const nonNull = { ...resolved, nullable: false }
  return nonNullType(nonNull, ctx, side)
}
