/**
 * Shapes are the spec's schemas reduced to what decides validity (generated into
 * `operations.ts` by codegen). `conforms` checks a value the way the spec's
 * validators do (OpenAPI 3.0: `nullable`, `oneOf` exactly one); `fill` answers a
 * value of a shape, taking what it can from a hint: a stored record, a request body.
 */
import { randomBase62 } from "./ids.js"
import { shapes } from "./generated/operations.js"

export interface Shape {
  readonly ref?: string
  readonly type?: string
  readonly format?: string
  readonly enum?: ReadonlyArray<unknown>
  readonly nullable?: boolean
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: boolean | Shape
  readonly items?: Shape
  readonly properties?: Readonly<Record<string, Shape>>
  readonly oneOf?: ReadonlyArray<Shape>
  readonly anyOf?: ReadonlyArray<Shape>
  readonly allOf?: ReadonlyArray<Shape>
  readonly minimum?: number
  readonly maximum?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: string
  readonly minItems?: number
  readonly maxItems?: number
}

export interface OperationSpec {
  readonly method: string
  readonly path: string
  readonly operationId: string
  /** The spec's success status: 200 mostly, some 201, 202 or 204. */
  readonly status: number
  readonly response?: Shape
  readonly body?: Shape
  readonly multipart?: boolean
  /** Query params by wire name. */
  readonly query?: Readonly<Record<string, Shape>>
  /** The array query params that travel as one comma-joined value. */
  readonly comma?: ReadonlyArray<string>
}

export type JsonRecord = Record<string, unknown>

export const isRecord = (u: unknown): u is JsonRecord =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Blob)

/** Follows `ref`s to a shape with keywords. */
export const deref = (shape: Shape): Shape => {
  let current = shape
  while (current.ref !== undefined) {
    const target = shapes[current.ref]
    if (target === undefined) throw new Error(`unknown shape ${current.ref}`)
    current = target
  }
  return current
}

/** The properties an object shape declares, with those of every `allOf` branch. */
export const propertiesOf = (input: Shape): Readonly<Record<string, Shape>> => {
  const shape = deref(input)
  return Object.assign({}, ...(shape.allOf ?? []).map(propertiesOf), shape.properties)
}

const isObjectShape = (shape: Shape) => shape.type === "object" || shape.properties !== undefined

const formatHolds = (format: string | undefined, value: string): boolean => {
  if (format === "date-time")
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  if (format === "date") return /^\d{4}-\d{2}-\d{2}$/.test(value)
  if (format === "email") return /^[^\s@]+@[^\s@]+$/.test(value)
  if (format === "uri") return /^[a-z][a-z0-9+.-]*:/i.test(value)
  return true
}

const typeHolds = (type: string | undefined, value: unknown): boolean => {
  switch (type) {
    case undefined:
      return true
    case "object":
      return isRecord(value)
    case "array":
      return Array.isArray(value)
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "string":
      return typeof value === "string"
    case "boolean":
      return typeof value === "boolean"
    default:
      return false
  }
}

/** Whether `value` is valid for `shape`, as a JSON Schema validator of the spec would say. */
const conforms = (input: Shape, value: unknown): boolean => {
  const shape = deref(input)
  if (value === undefined) return false
  if (value === null) return shape.nullable === true || Object.keys(shape).length === 0
  if (shape.allOf !== undefined && !shape.allOf.every((branch) => conforms(branch, value))) return false
  if (shape.anyOf !== undefined && !shape.anyOf.some((branch) => conforms(branch, value))) return false
  if (shape.oneOf !== undefined && shape.oneOf.filter((branch) => conforms(branch, value)).length !== 1)
    return false
  if (shape.enum !== undefined && !shape.enum.includes(value)) return false
  if (!typeHolds(shape.type, value)) return false
  if (typeof value === "string") {
    if (shape.minLength !== undefined && value.length < shape.minLength) return false
    if (shape.maxLength !== undefined && value.length > shape.maxLength) return false
    if (shape.pattern !== undefined && !new RegExp(shape.pattern).test(value)) return false
    if (!formatHolds(shape.format, value)) return false
  }
  if (typeof value === "number") {
    if (shape.minimum !== undefined && value < shape.minimum) return false
    if (shape.maximum !== undefined && value > shape.maximum) return false
  }
  if (Array.isArray(value)) {
    if (shape.minItems !== undefined && value.length < shape.minItems) return false
    if (shape.maxItems !== undefined && value.length > shape.maxItems) return false
    const items = shape.items
    if (items !== undefined && !value.every((item) => conforms(items, item))) return false
  }
  if (isRecord(value) && isObjectShape(shape)) {
    const properties = shape.properties ?? {}
    if ((shape.required ?? []).some((key) => value[key] === undefined)) return false
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key]
      if (property !== undefined) {
        if (!conforms(property, item)) return false
      } else if (shape.additionalProperties === false) {
        return false
      } else if (
        typeof shape.additionalProperties === "object" &&
        !conforms(shape.additionalProperties, item)
      ) {
        return false
      }
    }
  }
  return true
}

/** One shape with the keywords of both, as `allOf` means; the second's scalars win. */
const merge = (a: Shape, b: Shape): Shape => {
  const left = deref(a)
  const right = deref(b)
  return {
    ...left,
    ...right,
    ...(left.properties || right.properties
      ? { type: "object", properties: { ...left.properties, ...right.properties } }
      : {}),
    ...(left.required || right.required
      ? { required: [...(left.required ?? []), ...(right.required ?? [])] }
      : {}),
    // Each branch's own properties are allowed in the merged object.
    ...(left.additionalProperties === false || right.additionalProperties === false
      ? { additionalProperties: false }
      : {})
  }
}

const hex = (length: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => (byte % 16).toString(16)).join("")

/**
 * A string a pattern accepts, for the kinds of patterns the spec uses: ids
 * (`^ak_[0-9A-Fa-f]{32}$`, `^(user|org)_\w{27}$`) and a few words.
 */
export const patterned = (pattern: string): string => {
  const candidate = pattern
    .replace(/^\^|\$$/g, "")
    .replace(/\(([^()|?]+)(\|[^()]*)?\)/g, "$1")
    .replace(/\\w\{(\d+)\}/g, (_, n: string) => randomBase62(Number(n)))
    .replace(/\[0-9A-Fa-f\]\{(\d+)\}/g, (_, n: string) => hex(Number(n)))
  const words = [candidate, "oauth_google", "from_oauth_google", "example", "US", "a"]
  return words.find((word) => new RegExp(pattern).test(word)) ?? ""
}

const scalar = (shape: Shape, key: string | undefined, now: number): unknown => {
  if (shape.enum !== undefined) return shape.enum.find((value) => value !== null) ?? null
  if (shape.nullable === true) return null
  switch (shape.type) {
    case "string":
      if (shape.format === "date-time") return new Date(now).toISOString()
      if (shape.format === "date") return new Date(now).toISOString().slice(0, 10)
      if (shape.format === "email") return "user@example.com"
      if (shape.format === "uri" || shape.format === "url") return "https://example.com"
      if (shape.pattern !== undefined) return patterned(shape.pattern)
      return "x".repeat(shape.minLength ?? 0)
    case "integer":
    case "number":
      return key?.endsWith("_at") ? now : (shape.minimum ?? 0)
    case "boolean":
      return false
    case "array":
      return []
    default:
      return {}
  }
}

/**
 * A value of `shape`: the hint itself when it conforms, otherwise one built from
 * the shape, keeping every part of the hint that conforms where it belongs.
 * Optional properties appear only when the hint has them.
 */
export const fill = (input: Shape, hint: unknown, now: number, key?: string): unknown => {
  const shape = deref(input)
  if (hint !== undefined && conforms(shape, hint)) return hint
  if (shape.allOf !== undefined) {
    const { allOf, ...rest } = shape
    return fill(allOf.reduce<Shape>(merge, rest), hint, now, key)
  }
  const branches = shape.oneOf ?? shape.anyOf
  if (branches !== undefined) {
    const { oneOf: _oneOf, anyOf: _anyOf, ...rest } = shape
    // A branch may add only `required` to the object around it: fill each with the object's keywords.
    const candidates = branches.map((branch) => fill(merge(rest, branch), hint, now, key))
    return candidates.find((candidate) => conforms(shape, candidate)) ?? candidates[0]
  }
  if (isObjectShape(shape)) {
    const source = isRecord(hint) ? hint : {}
    const out: JsonRecord = {}
    const properties = shape.properties ?? {}
    for (const [name, property] of Object.entries(properties)) {
      if (source[name] !== undefined || (shape.required ?? []).includes(name))
        out[name] = fill(property, source[name], now, name)
    }
    // The spec requires some keys it does not declare; any value will do.
    if (shape.additionalProperties !== false) {
      for (const name of shape.required ?? []) if (out[name] === undefined) out[name] = source[name] ?? null
    }
    const extra = shape.additionalProperties
    if (shape.properties === undefined && extra !== false) {
      for (const [name, value] of Object.entries(source)) {
        if (extra === undefined || extra === true || conforms(extra, value)) out[name] = value
      }
    }
    return out
  }
  if (shape.type === "array") {
    const items = shape.items ?? {}
    const values = Array.isArray(hint) ? hint.map((item) => fill(items, item, now)) : []
    while (values.length < (shape.minItems ?? 0)) values.push(fill(items, undefined, now))
    return values
  }
  return scalar(shape, key, now)
}
