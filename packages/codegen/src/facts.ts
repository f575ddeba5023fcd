/**
 * What the spec's schema states about a param, as doc text in the generator's own
 * words: its type, range, lengths, pattern, enum values, item counts, format and
 * default. Facts only: the spec's descriptions stay out of the project (DESIGN.md).
 */
import { camelCase } from "./naming.js"
import type { Param } from "./operations.js"
import { alternatives, mergeAllOf } from "./schemas.js"
import { type JsonSchema, type Spec, resolve } from "./spec.js"

/** A value as inline code that cannot end the doc comment it is written into. */
const code = (value: unknown): string => {
  const text = (typeof value === "string" ? value : JSON.stringify(value)).replaceAll("*/", "*\\/")
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`

/** `1 to 500`, `at least 0`, `above 0`, …; nothing where neither bound is set. */
const bounds = (
  min: number | undefined,
  max: number | undefined,
  show: (n: number) => string = String,
  exclusive: { readonly min?: boolean | undefined; readonly max?: boolean | undefined } = {}
): string | undefined => {
  if (min !== undefined && max !== undefined && !exclusive.min && !exclusive.max)
    return min === max ? `exactly ${show(min)}` : `${min} to ${show(max)}`
  const parts = [
    ...(min === undefined ? [] : [`${exclusive.min ? "above" : "at least"} ${show(min)}`]),
    ...(max === undefined ? [] : [`${exclusive.max ? "below" : "at most"} ${show(max)}`])
  ]
  return parts.length === 0 ? undefined : parts.join(" and ")
}

/** The schema a param's facts are read from: its `$ref` resolved, a single `allOf` or union member unwrapped. */
const unwrap = (spec: Spec, schema: JsonSchema): JsonSchema => {
  const resolved = resolve(spec, schema)
  if (resolved.allOf !== undefined)
    return resolved.allOf.length === 1
      ? unwrap(spec, resolved.allOf[0]!)
      : mergeAllOf({ spec, mode: "request", modelRef: String }, resolved)
  const members = alternatives(resolved)
  if (members.length !== 1) return resolved
  const member = unwrap(spec, members[0]!)
  return resolved.nullable === true ? { ...member, nullable: true } : member
}

const typeName = (spec: Spec, schema: JsonSchema): string => {
  const resolved = unwrap(spec, schema)
  if (alternatives(resolved).length > 1) return "one of several shapes"
  if (resolved.enum !== undefined) return "string"
  if (resolved.type === "array") return `array of ${typeName(spec, resolved.items ?? {})}`
  if (resolved.type === "string" && resolved.format === "binary") return "file"
  return resolved.type ?? "any JSON"
}

/** The constraints of one schema (not its type), in the order a reader checks a value against them. */
const constraints = (spec: Spec, schema: JsonSchema): ReadonlyArray<string> => {
  const s = unwrap(spec, schema)
  const values = s.enum?.filter((value) => value !== null)
  const range = bounds(s.minimum, s.maximum, String, { min: s.exclusiveMinimum, max: s.exclusiveMaximum })
  const length = bounds(s.minLength, s.maxLength, (n) => plural(n, "character"))
  const items = bounds(s.minItems, s.maxItems, (n) => plural(n, "item"))
  const each = s.type === "array" && s.items !== undefined ? constraints(spec, s.items) : []
  return [
    ...(values === undefined ? [] : [`one of ${values.map(code).join(", ")}`]),
    ...(range === undefined ? [] : [range]),
    ...(length === undefined ? [] : [length]),
    ...(s.pattern === undefined ? [] : [`matching ${code(s.pattern)}`]),
    ...(s.format === undefined || s.format === "binary" ? [] : [`format ${code(s.format)}`]),
    ...(items === undefined ? [] : [items]),
    ...(each.length === 0 ? [] : [`each ${each.join(", ")}`]),
    ...(s.default === undefined ? [] : [`default ${code(s.default)}`])
  ]
}

/**
 * One line per param the spec constrains, e.g. `` `limit` (query): integer, 1 to
 * 500, default `10` ``; a param the spec states nothing more about than its type
 * is left to the params interface.
 */
export const paramFacts = (spec: Spec, params: ReadonlyArray<Param>): ReadonlyArray<string> =>
  params.flatMap((param) => {
    const facts = constraints(spec, param.schema)
    if (facts.length === 0) return []
    const nullable = unwrap(spec, param.schema).nullable === true ? " or null" : ""
    const required = param.required ? ", required" : ""
    return [
      `- \`${camelCase(param.wireName)}\` (${param.location}${required}): ${typeName(spec, param.schema)}${nullable}, ${facts.join(", ")}`
    ]
  })
