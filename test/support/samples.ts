/**
 * Valid params for an operation, built from the spec itself: the smallest request
 * the spec accepts (required fields only), with values that satisfy its enums,
 * formats, patterns, lengths and bounds. Keys are camelCased the way the
 * generated params schemas expect, except inside free-form objects (metadata).
 */
import fc from "fast-check"
import { camelCase } from "../../packages/codegen/src/naming.js"
import type { OperationModel } from "../../packages/codegen/src/operations.js"
import { type JsonSchema, type Spec, resolve } from "../../packages/codegen/src/spec.js"

type Sample = unknown

const stringSample = (schema: JsonSchema & { readonly example?: unknown }): string => {
  if (typeof schema.example === "string") return schema.example
  if (schema.pattern !== undefined) {
    const fits = (s: string) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 64)
    return fc.sample(fc.stringMatching(new RegExp(schema.pattern)).filter(fits), { seed: 42, numRuns: 1 })[0]!
  }
  switch (schema.format) {
    case "email":
      return "ada@example.com"
    case "uri":
      return "https://example.com/callback"
    case "date-time":
      return "2026-01-01T00:00:00Z"
    case "date":
      return "2026-01-01"
  }
  return "x".repeat(Math.max(schema.minLength ?? 1, 3)).slice(0, schema.maxLength ?? 64)
}

const numberSample = (schema: JsonSchema): number => {
  const low = schema.minimum ?? 1
  const high = schema.maximum ?? Math.max(low, 10)
  return Math.min(Math.max(low + (schema.exclusiveMinimum ? 1 : 0), 1), high)
}

/** `anyOf` members that only list required names: the first one's names are included. */
const requiredNames = (schema: JsonSchema): ReadonlyArray<string> => [
  ...(schema.required ?? []),
  ...(schema.anyOf?.[0]?.required ?? [])
]

const sample = (spec: Spec, raw: JsonSchema): Sample => {
  const schema = resolve(spec, raw)
  if (schema.allOf !== undefined) return sample(spec, schema.allOf[0]!)
  const alternatives = (schema.oneOf ?? schema.anyOf ?? []).filter(
    (member) => member.required === undefined || member.properties !== undefined || member.$ref !== undefined
  )
  if (alternatives.length > 0 && schema.properties === undefined) return sample(spec, alternatives[0]!)
  if (schema.enum !== undefined) return schema.enum.find((value) => value !== null)
  switch (schema.type) {
    case "string":
      return schema.format === "binary" ? new Uint8Array([137, 80, 78, 71]) : stringSample(schema)
    case "integer":
    case "number":
      return numberSample(schema)
    case "boolean":
      return true
    case "array":
      return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, () => sample(spec, schema.items ?? {}))
    default: {
      if (schema.properties === undefined) return {}
      const names = requiredNames(schema).filter((name) => schema.properties?.[name] !== undefined)
      return Object.fromEntries(
        names.map((name) => [camelCase(name), sample(spec, schema.properties![name]!)])
      )
    }
  }
}

/** Params for `operation`: every required param (and the first presence group of the body), camelCased. */
export const paramsFor = (spec: Spec, operation: OperationModel): Record<string, Sample> => {
  const firstGroup = operation.bodyPresenceGroups[0] ?? []
  return Object.fromEntries(
    operation.params
      .filter((param) => param.required || (param.location === "body" && firstGroup.includes(param.wireName)))
      .map((param) => [camelCase(param.wireName), sample(spec, param.schema)])
  )
}
