/**
 * The generic variant `withUnknownVariants` adds for a discriminated union: one
 * property per key any member declares, merged from the members' declarations.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Context, emit, withUnknownVariants } from "../src/schemas.js"
import type { JsonSchema, Spec } from "../src/spec.js"

const member = (tag: string, properties: Record<string, JsonSchema>): JsonSchema => ({
  type: "object",
  required: ["status"],
  properties: { object: { type: "string", enum: [tag] }, ...properties }
})

const spec: Spec = {
  paths: {},
  components: {
    responses: {},
    parameters: {},
    schemas: {
      first: member("first", {
        status: { type: "string", enum: ["on"] },
        code: { type: "integer" },
        note: { type: "string" }
      }),
      second: member("second", {
        status: { type: "string", enum: ["off"] },
        code: { type: "string", nullable: true },
        error: { $ref: "#/components/schemas/Problem", nullable: true }
      }),
      Problem: { type: "object", required: ["message"], properties: { message: { type: "string" } } },
      Box: {
        type: "object",
        properties: {
          content: {
            nullable: true,
            oneOf: [{ $ref: "#/components/schemas/first" }, { $ref: "#/components/schemas/second" }],
            discriminator: { propertyName: "object" }
          }
        }
      }
    }
  }
}

describe("withUnknownVariants", () => {
  const withVariants = withUnknownVariants(spec)
  const ctx: Context = { spec: withVariants, mode: "response", modelRef: (component) => component }

  it("adds a named generic variant and points the union at it", () => {
    expect(Object.keys(withVariants.components.schemas)).toContain("UnknownBoxContent")
    expect(emit(withVariants.components.schemas.Box!, ctx)).toBe(
      'Schema.Struct({ content: optionalNullable(Schema.Union(UnknownBoxContent, first, second), "content") })'
    )
  })

  it("declares every key a member declares: strings merged, other disagreements as a union, null where any allows it", () => {
    expect(emit(withVariants.components.schemas.UnknownBoxContent!, ctx)).toBe(
      'unknownVariant("object", ["first", "second"], { ' +
        'object: variantField(Schema.String, "object"), ' +
        'status: variantField(openEnum<"on" | "off">(), "status"), ' +
        'code: variantField(Schema.NullOr(Schema.Union(Schema.Number, Schema.String)), "code"), ' +
        'note: variantField(Schema.String, "note"), ' +
        'error: variantField(Schema.NullOr(Problem), "error") })'
    )
  })

  it("leaves the spec it was given as it was", () => {
    expect(Object.keys(spec.components.schemas)).not.toContain("UnknownBoxContent")
    expect(spec.components.schemas.Box!.properties!.content!["x-unknown-variant"]).toBeUndefined()
  })
})
