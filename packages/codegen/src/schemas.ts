/**
 * JSON Schema (OpenAPI 3.0 dialect) to `effect/Schema` source code.
 *
 * Two modes, as DESIGN.md asks: `response` decodes liberally (open enums, no
 * string or number constraints, nullable may be absent), `request` encodes
 * strictly (literal enums, lengths, patterns, bounds) so bad params fail before
 * anything is sent.
 */
import { camelCase, pascalCase } from "./naming.js"
import { type JsonSchema, type Spec, refName, resolve } from "./spec.js"

export type Mode = "response" | "request"

export interface Context {
  readonly spec: Spec
  readonly mode: Mode
  /** How generated code names a component schema in response mode (`User` or `Models.User`). */
  readonly modelRef: (component: string) => string
  /** Component refs being inlined (request mode), to stop on a cycle. */
  readonly inlining?: ReadonlyArray<string>
  /**
   * Where the module being written records the identifiers its code takes from
   * other modules (`optional`, `Models`, ...) as it writes them, so that it
   * imports exactly those.
   */
  readonly uses?: Set<string>
}

/** `name`, recorded as used by the module being written. */
export const use = (ctx: Context, name: string): string => {
  ctx.uses?.add(name)
  return name
}

/**
 * A Schema expression and what it builds: a declaration names an object's
 * decoded and wire forms by interfaces, and a module names a response that is an
 * object or a union.
 */
export interface Emitted {
  readonly code: string
  /** `struct` for an object (a Struct, or a generic variant), `union` for a Union. */
  readonly shape: "struct" | "union" | "other"
  /** Whether `null` is decoded too (`Schema.NullOr` around the shape). */
  readonly nullable: boolean
  /** An object's constant `object` tag, in response mode. */
  readonly tag?: string
}

type Shaped = Omit<Emitted, "nullable">

const other = (code: string): Shaped => ({ code, shape: "other" })

export const modelName = (component: string): string => pascalCase(component)

/** `anyOf: [{ required: [a] }, { required: [b] }]` only constrains presence; it has no shape of its own. */
const isConstraintOnly = (schema: JsonSchema) =>
  schema.$ref === undefined &&
  schema.type === undefined &&
  schema.properties === undefined &&
  schema.required !== undefined

export const alternatives = (schema: JsonSchema): ReadonlyArray<JsonSchema> =>
  (schema.oneOf ?? schema.anyOf ?? []).filter((member) => !isConstraintOnly(member))

/** Whether `null` is a valid value, looking through single-member wrappers. */
export const isNullable = (schema: JsonSchema): boolean => schema.nullable === true

/**
 * Whether a response property may be `null`, looking through a `$ref` to a
 * nullable component: such a property, though required, may also be absent
 * (the rule `nullable` in `fields.ts` applies), as real invitations omit
 * `public_inviter_data`.
 */
export const isNullableProperty = (schema: JsonSchema, ctx: Context): boolean =>
  isNullable(schema) || (schema.$ref !== undefined && isNullable(resolve(ctx.spec, schema)))

const literal = (value: unknown) => JSON.stringify(value)

const regexLiteral = (pattern: string) => {
  new RegExp(pattern)
  return `/${pattern.replace(/\//g, "\\/")}/`
}

const pipeChecks = (base: string, checks: ReadonlyArray<string>): string =>
  checks.length === 0 ? base : `${base}.pipe(${checks.join(", ")})`

const numberChecks = (schema: JsonSchema): ReadonlyArray<string> => {
  const { minimum, maximum } = schema
  if (
    minimum !== undefined &&
    maximum !== undefined &&
    !schema.exclusiveMinimum &&
    !schema.exclusiveMaximum
  ) {
    return [`Schema.between(${minimum}, ${maximum})`]
  }
  const checks: Array<string> = []
  if (minimum !== undefined)
    checks.push(`Schema.${schema.exclusiveMinimum ? "greaterThan" : "greaterThanOrEqualTo"}(${minimum})`)
  if (maximum !== undefined)
    checks.push(`Schema.${schema.exclusiveMaximum ? "lessThan" : "lessThanOrEqualTo"}(${maximum})`)
  return checks
}

const stringChecks = (schema: JsonSchema): ReadonlyArray<string> => [
  ...(schema.minLength !== undefined ? [`Schema.minLength(${schema.minLength})`] : []),
  ...(schema.maxLength !== undefined ? [`Schema.maxLength(${schema.maxLength})`] : []),
  ...(schema.pattern !== undefined ? [`Schema.pattern(${regexLiteral(schema.pattern)})`] : [])
]

const arrayChecks = (schema: JsonSchema): ReadonlyArray<string> => [
  ...(schema.minItems !== undefined ? [`Schema.minItems(${schema.minItems})`] : []),
  ...(schema.maxItems !== undefined ? [`Schema.maxItems(${schema.maxItems})`] : [])
]

/** The values a union member's discriminator property can take. */
export const discriminatorValues = (
  ctx: Context,
  member: JsonSchema,
  property: string
): ReadonlyArray<unknown> => resolve(ctx.spec, member).properties?.[property]?.enum ?? []

/** A property schema `object` with a single value is a tag, kept strict so unions can decode by it. */
export const isTagProperty = (name: string | undefined) => name === "object"

/**
 * A model's required tag with one value (`object: "invitation"`). In a response
 * an absent one is filled in (`constant` of `fields.ts`), so on the wire it is
 * in effect optional.
 */
export const constantTag = (field: Field): unknown => {
  const values = field.schema.enum?.filter((value) => value !== null) ?? []
  return field.required && isTagProperty(field.wireName) && !isNullable(field.schema) && values.length === 1
    ? values[0]
    : undefined
}

/** The component a discriminated union's generic variant decodes with (`withUnknownVariants`). */
export const unknownVariantOf = (union: JsonSchema): string => {
  const ref = union["x-unknown-variant"]?.$ref
  if (ref === undefined)
    throw new Error(`discriminated union on ${union.discriminator?.propertyName} has no generic variant`)
  return refName(ref)
}

/**
 * The Schema expression for `schema`, without its own nullability: property
 * emitters decide how `null` is handled; everywhere else `emit` adds `NullOr`.
 */
const emitNonNull = (schema: JsonSchema, ctx: Context, propertyName?: string): Shaped => {
  if (schema.$ref !== undefined) {
    const component = refName(schema.$ref)
    if (ctx.mode === "response") return other(ctx.modelRef(component))
    if (ctx.inlining?.includes(component)) throw new Error(`cyclic request schema through ${component}`)
    return emitNonNull(resolve(ctx.spec, schema), { ...ctx, inlining: [...(ctx.inlining ?? []), component] })
  }
  if (schema.allOf !== undefined) {
    if (schema.allOf.length === 1) return emitNonNull(schema.allOf[0]!, ctx, propertyName)
    return emitObject(mergeAllOf(ctx, schema), ctx)
  }
  const members = alternatives(schema)
  const tag = schema.discriminator?.propertyName
  if (tag !== undefined && ctx.mode === "response") {
    // First, so a variant whose tag is missing (the spec makes some optional) or unknown
    // decodes to the generic variant instead of the first member its other fields fit.
    const fallback = ctx.modelRef(unknownVariantOf(schema))
    return {
      code: `Schema.Union(${[fallback, ...members.map((member) => emit(member, ctx))].join(", ")})`,
      shape: "union"
    }
  }
  const variantOf = schema["x-unknown-variant-of"]
  if (variantOf !== undefined) {
    const fields = fieldsOf(schema).map(
      (field) =>
        `${camelCase(field.wireName)}: ${use(ctx, "variantField")}(${emit(field.schema, ctx)}, ${literal(field.wireName)})`
    )
    return {
      code: `${use(ctx, "unknownVariant")}(${literal(variantOf.discriminator)}, [${variantOf.known.map(literal).join(", ")}], { ${fields.join(", ")} })`,
      shape: "struct"
    }
  }
  if (members.length === 1) return emitNonNull(members[0]!, ctx, propertyName)
  if (members.length > 1)
    return { code: `Schema.Union(${members.map((member) => emit(member, ctx)).join(", ")})`, shape: "union" }
  if (schema.enum !== undefined) {
    const values = schema.enum.filter((value) => value !== null)
    const strict =
      ctx.mode === "request" || isTagProperty(propertyName) || values.some((v) => typeof v !== "string")
    return other(
      strict
        ? `Schema.Literal(${values.map(literal).join(", ")})`
        : `${use(ctx, "openEnum")}<${values.map(literal).join(" | ")}>()`
    )
  }
  switch (schema.type) {
    case "string":
      if (schema.format === "binary") return other(use(ctx, "Upload"))
      return other(
        ctx.mode === "request" ? pipeChecks(use(ctx, "WireString"), stringChecks(schema)) : "Schema.String"
      )
    case "integer":
      return other(ctx.mode === "request" ? pipeChecks("Schema.Int", numberChecks(schema)) : "Schema.Number")
    case "number":
      return other(
        ctx.mode === "request" ? pipeChecks("Schema.Finite", numberChecks(schema)) : "Schema.Number"
      )
    case "boolean":
      return other("Schema.Boolean")
    case "array": {
      const items = `Schema.Array(${emit(schema.items ?? {}, ctx)})`
      return other(ctx.mode === "request" ? pipeChecks(items, arrayChecks(schema)) : items)
    }
    case "object":
    case undefined:
      if (schema.properties !== undefined && Object.keys(schema.properties).length > 0)
        return emitObject(schema, ctx)
      if (
        typeof schema.additionalProperties === "object" &&
        Object.keys(schema.additionalProperties).length > 0
      ) {
        return other(
          `Schema.Record({ key: Schema.String, value: ${emit(schema.additionalProperties, ctx)} })`
        )
      }
      if (ctx.mode === "request")
        return other(use(ctx, schema.type === "object" ? "JsonObjectData" : "JsonData"))
      return other(schema.type === "object" ? use(ctx, "JsonObject") : "Schema.Unknown")
    default:
      throw new Error(`unsupported schema type ${schema.type}`)
  }
}

/**
 * A path param: a string that is a safe path segment and meets the spec's own
 * checks (pattern, lengths), or one of its enum values.
 */
export const emitPathParam = (schema: JsonSchema, ctx: Context): string => {
  const resolved = resolve(ctx.spec, schema)
  if (resolved.enum !== undefined || resolved.type !== "string") return emitNonNull(resolved, ctx).code
  return pipeChecks(use(ctx, "PathSegment"), stringChecks(resolved))
}

/** The Schema expression for `schema`, `null` included where the spec allows it, and what it builds. */
export const emitShaped = (schema: JsonSchema, ctx: Context): Emitted => {
  const inner = emitNonNull(schema, ctx)
  return isNullable(schema)
    ? { ...inner, code: `Schema.NullOr(${inner.code})`, nullable: true }
    : { ...inner, nullable: false }
}

/** The Schema expression for `schema`, `null` included where the spec allows it. */
export const emit = (schema: JsonSchema, ctx: Context): string => emitShaped(schema, ctx).code

/** `allOf` of several object schemas: one object with every member's properties. */
export const mergeAllOf = (ctx: Context, schema: JsonSchema): JsonSchema => {
  const members = (schema.allOf ?? []).map((member) => {
    const resolved = resolve(ctx.spec, member)
    return resolved.allOf !== undefined ? mergeAllOf(ctx, resolved) : resolved
  })
  return {
    type: "object",
    properties: Object.assign(
      {},
      ...members.map((member) => member.properties ?? {}),
      schema.properties ?? {}
    ),
    required: [...members.flatMap((member) => member.required ?? []), ...(schema.required ?? [])]
  }
}

export interface Field {
  readonly wireName: string
  readonly schema: JsonSchema
  readonly required: boolean
}

/**
 * How a property is present, which names the helper of `fields.ts` its schema
 * uses; the generated decoders follow the same choice (`decoders.ts`).
 */
export type Presence = "constant" | "required" | "nullable" | "optional" | "optionalNullable"

export const presenceOf = (field: Field, ctx: Context): Presence => {
  const nullable = ctx.mode === "response" ? isNullableProperty(field.schema, ctx) : isNullable(field.schema)
  if (ctx.mode === "response" && constantTag(field) !== undefined) return "constant"
  if (field.required) return nullable ? "nullable" : "required"
  return nullable ? "optionalNullable" : "optional"
}

/** One `key: schema` line of a Struct, with the wire name and presence rules of its mode. */
export const emitField = (field: Field, ctx: Context, valueExpression?: string): string => {
  const key = camelCase(field.wireName)
  const inner = valueExpression ?? emitNonNull(field.schema, ctx, field.wireName).code
  const wire = literal(field.wireName)
  const renamed = key !== field.wireName
  switch (presenceOf(field, ctx)) {
    case "constant":
      return `${key}: ${use(ctx, "constant")}(${literal(constantTag(field))})`
    case "required":
      return `${key}: ${renamed ? `${use(ctx, "required")}(${inner}, ${wire})` : inner}`
    case "nullable":
      // A request sends a required nullable property as it is; a response may also lack it.
      if (ctx.mode === "response") return `${key}: ${use(ctx, "nullable")}(${inner}, ${wire})`
      return `${key}: ${renamed ? `${use(ctx, "required")}(Schema.NullOr(${inner}), ${wire})` : `Schema.NullOr(${inner})`}`
    case "optionalNullable":
      return `${key}: ${use(ctx, "optionalNullable")}(${inner}, ${wire})`
    case "optional":
      return `${key}: ${renamed ? `${use(ctx, "optional")}(${inner}, ${wire})` : `Schema.optional(${inner})`}`
  }
}

export const fieldsOf = (schema: JsonSchema): ReadonlyArray<Field> =>
  Object.entries(schema.properties ?? {}).map(([wireName, property]) => ({
    wireName,
    schema: property,
    required: (schema.required ?? []).includes(wireName)
  }))

export const checkUniqueKeys = (fields: ReadonlyArray<Pick<Field, "wireName">>, where: string) => {
  const seen = new Map<string, string>()
  for (const { wireName } of fields) {
    const key = camelCase(wireName)
    const other = seen.get(key)
    if (other !== undefined) throw new Error(`${where}: ${other} and ${wireName} both become ${key}`)
    seen.set(key, wireName)
  }
}

const emitObject = (schema: JsonSchema, ctx: Context): Shaped => {
  const fields = fieldsOf(schema)
  checkUniqueKeys(fields, "object")
  const struct = `{ ${fields.map((field) => emitField(field, ctx)).join(", ")} }`
  const tag =
    ctx.mode === "response" ? fields.map(constantTag).find((value) => value !== undefined) : undefined
  // Params refuse keys they do not know, unless the spec opens the object to more
  // (the actor of an actor token carries any claims beside `sub`).
  const code =
    ctx.mode === "request" && schema.additionalProperties === true
      ? `Schema.Struct(${struct}, Schema.Record({ key: Schema.String, value: ${use(ctx, "JsonData")} }))`
      : `Schema.Struct(${struct})`
  return { code, shape: "struct", ...(typeof tag === "string" ? { tag } : {}) }
}

/** Component names referenced (directly or nested) by `schema`, for ordering Models.ts. */
export const references = (schema: unknown, into: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(schema)) for (const item of schema) references(item, into)
  else if (typeof schema === "object" && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "$ref" && typeof value === "string") into.add(refName(value))
      else references(value, into)
    }
  }
  return into
}

/** The schema without its own `null`. */
const nonNull = ({ nullable: _, ...schema }: JsonSchema): JsonSchema => schema

/**
 * One property as the generic variant declares it, from what the known members
 * declare: any string where every member has a string (open enums: any string
 * decodes), else the union of the members' distinct declarations, tried in
 * their order; `null` where any member allows it.
 */
const mergeDeclarations = (declarations: ReadonlyArray<JsonSchema>): JsonSchema => {
  const nullable = declarations.some(isNullable) ? { nullable: true } : {}
  const distinct = [...new Map(declarations.map((d) => [JSON.stringify(nonNull(d)), nonNull(d)])).values()]
  const strings = distinct.every((d) => d.$ref === undefined && d.type === "string" && d.format !== "binary")
  if (strings) {
    const values = [...new Set(distinct.flatMap((d) => d.enum ?? []))]
    return { type: "string", ...(values.length > 0 ? { enum: values } : {}), ...nullable }
  }
  return distinct.length === 1 ? { ...distinct[0]!, ...nullable } : { oneOf: distinct, ...nullable }
}

/**
 * The component of a discriminated union's generic variant (`unknownVariant` of
 * `fields.ts`): the discriminator as any string, then every other property any
 * member declares, in the members' order, none required.
 */
const unknownVariantSchema = (ctx: Context, union: JsonSchema, tag: string): JsonSchema => {
  const members = alternatives(union).map((member) => {
    const resolved = resolve(ctx.spec, member)
    return resolved.allOf !== undefined ? mergeAllOf(ctx, resolved) : resolved
  })
  const declarations = new Map<string, Array<JsonSchema>>()
  for (const field of members.flatMap(fieldsOf)) {
    if (field.wireName === tag) continue
    declarations.set(field.wireName, [...(declarations.get(field.wireName) ?? []), field.schema])
  }
  const properties: Record<string, JsonSchema> = { [tag]: { type: "string" } }
  for (const [wireName, schemas] of declarations) properties[wireName] = mergeDeclarations(schemas)
  const values = members.flatMap((member) => discriminatorValues(ctx, member, tag))
  const known = values.filter((value) => typeof value === "string")
  if (known.length !== values.length)
    throw new Error(`discriminated union on ${tag}: only string tags are supported`)
  return { type: "object", properties, "x-unknown-variant-of": { discriminator: tag, known } }
}

/**
 * `spec` with a component for the generic variant of each discriminated union
 * in a component (`Unknown` + component + property path, such as
 * `UnknownEmailAddressVerification`), which the union names in
 * `x-unknown-variant`. A named model, so the decoded type reads as one and the
 * models module declares it, with its decoder, before the models that use it.
 */
export const withUnknownVariants = <S extends Spec>(spec: S): S => {
  const ctx: Context = { spec, mode: "response", modelRef: modelName }
  const added: Record<string, JsonSchema> = {}
  const mark = (schema: JsonSchema, path: ReadonlyArray<string>): JsonSchema => {
    if (schema.$ref !== undefined) return schema
    let marked = schema
    if (schema.properties !== undefined) {
      const properties = Object.entries(schema.properties).map(
        ([key, property]) => [key, mark(property, [...path, key])] as const
      )
      marked = { ...marked, properties: Object.fromEntries(properties) }
    }
    if (schema.items !== undefined) marked = { ...marked, items: mark(schema.items, [...path, "item"]) }
    const tag = schema.discriminator?.propertyName
    if (tag !== undefined) {
      const name = `Unknown${path.map(pascalCase).join("")}`
      if (name in spec.components.schemas || name in added || modelName(name) !== name)
        throw new Error(`generic variant name ${name} is taken or not an identifier`)
      added[name] = unknownVariantSchema(ctx, schema, tag)
      marked = { ...marked, "x-unknown-variant": { $ref: `#/components/schemas/${name}` } }
    }
    return marked
  }
  const schemas = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([name, schema]) => [name, mark(schema, [modelName(name)])])
  )
  return { ...spec, components: { ...spec.components, schemas: { ...schemas, ...added } } }
}

/** An object schema written out in place, that could as well be a component of its own. */
const isInlineObject = (schema: JsonSchema): boolean =>
  schema.$ref === undefined &&
  (schema.type === "object" || schema.type === undefined) &&
  Object.keys(schema.properties ?? {}).length > 0 &&
  schema.allOf === undefined &&
  schema.oneOf === undefined &&
  schema.anyOf === undefined &&
  !isNullable(schema)

/**
 * `spec` with each object written inline in a component's properties (or their
 * items) moved to a component of its own, named after its path
 * (`WebhookEventPayloadEventAttributes`), and referenced there. It decodes as
 * before (a non-null object is the same Schema by reference or inline), but its
 * type gets a name: declaration files and editors say
 * `WebhookEventPayloadEventAttributes` where the payload uses it, instead of
 * spelling out its fields in every event that carries the payload.
 */
export const withNamedObjects = <S extends Spec>(spec: S): S => {
  const added: Record<string, JsonSchema> = {}
  const within = (schema: JsonSchema, path: ReadonlyArray<string>): JsonSchema => {
    if (schema.$ref !== undefined) return schema
    let named = schema
    if (schema.properties !== undefined) {
      const properties = Object.entries(schema.properties).map(
        ([key, property]) => [key, nameInline(property, [...path, key])] as const
      )
      named = { ...named, properties: Object.fromEntries(properties) }
    }
    if (schema.items !== undefined) named = { ...named, items: nameInline(schema.items, [...path, "item"]) }
    return named
  }
  const nameInline = (schema: JsonSchema, path: ReadonlyArray<string>): JsonSchema => {
    const named = within(schema, path)
    if (!isInlineObject(schema)) return named
    const name = path.map(pascalCase).join("")
    if (name in spec.components.schemas || name in added || modelName(name) !== name)
      throw new Error(`inline object name ${name} is taken or not an identifier`)
    added[name] = named
    return { $ref: `#/components/schemas/${name}` }
  }
  const schemas = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([name, schema]) => [
      name,
      // A generic variant's properties are the known members' declarations, decoded as they are.
      schema["x-unknown-variant-of"] === undefined ? within(schema, [modelName(name)]) : schema
    ])
  )
  return { ...spec, components: { ...spec.components, schemas: { ...schemas, ...added } } }
}
