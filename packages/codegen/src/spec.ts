/**
 * The slice of OpenAPI 3.0 the generator reads, and `$ref` resolution over it.
 */
import { readFileSync } from "node:fs"
import { parse } from "yaml"

export interface JsonSchema {
  readonly $ref?: string
  readonly type?: string
  readonly format?: string
  readonly enum?: ReadonlyArray<unknown>
  readonly nullable?: boolean
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: boolean | JsonSchema
  readonly items?: JsonSchema
  readonly oneOf?: ReadonlyArray<JsonSchema>
  readonly anyOf?: ReadonlyArray<JsonSchema>
  readonly allOf?: ReadonlyArray<JsonSchema>
  readonly discriminator?: { readonly propertyName: string }
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: boolean
  readonly exclusiveMaximum?: boolean
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: string
  readonly minItems?: number
  readonly maxItems?: number
  readonly default?: unknown
  /** A discriminated union's generic variant, a component `withUnknownVariants` adds. */
  readonly "x-unknown-variant"?: JsonSchema
  /** That component: the generic variant of the union whose discriminator and known values it names. */
  readonly "x-unknown-variant-of"?: { readonly discriminator: string; readonly known: ReadonlyArray<string> }
}

export interface Parameter {
  readonly $ref?: string
  readonly name: string
  readonly in: "path" | "query" | "header" | "cookie"
  readonly required?: boolean
  readonly schema: JsonSchema
  readonly style?: string
  readonly explode?: boolean
  readonly deprecated?: boolean
}

export interface MediaType {
  readonly schema?: JsonSchema
}

export interface Response {
  readonly $ref?: string
  readonly content?: Readonly<Record<string, MediaType>>
}

export interface Operation {
  readonly operationId: string
  readonly tags: ReadonlyArray<string>
  readonly "x-speakeasy-group"?: string
  readonly "x-speakeasy-name-override"?: string
  readonly parameters?: ReadonlyArray<Parameter>
  readonly requestBody?: {
    readonly $ref?: string
    readonly required?: boolean
    readonly content: Readonly<Record<string, MediaType>>
  }
  readonly responses: Readonly<Record<string, Response>>
  readonly deprecated?: boolean
}

export interface Spec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>
    readonly responses: Readonly<Record<string, Response>>
    readonly parameters: Readonly<Record<string, Parameter>>
  }
}

export const httpMethods = ["get", "post", "put", "patch", "delete"] as const

export const loadSpec = (path: string): Spec => parse(readFileSync(path, "utf8")) as Spec

/** The component name a local `$ref` points at: `#/components/schemas/User` → `User`. */
export const refName = (ref: string): string => ref.slice(ref.lastIndexOf("/") + 1)

/** Follows `$ref`s (of any component kind) until a concrete object. */
export const resolve = <T extends { readonly $ref?: string }>(spec: Spec, value: T): T => {
  let current: { readonly $ref?: string } = value
  while (current.$ref !== undefined) {
    const path = current.$ref.replace(/^#\//, "").split("/")
    let target: unknown = spec
    for (const key of path) target = (target as Record<string, unknown>)[key]
    if (target === undefined) throw new Error(`unresolved $ref ${current.$ref}`)
    current = target as { readonly $ref?: string }
  }
  return current as T
}
