/**
 * What an operation's JSDoc states about its params (`paramFacts`), and the
 * components `withNamedObjects` gives inline objects so their types read as names.
 */
import { describe, expect, it } from "@effect/vitest"
import { paramFacts } from "../src/facts.js"
import type { Param } from "../src/operations.js"
import { withNamedObjects } from "../src/schemas.js"
import type { JsonSchema, Spec } from "../src/spec.js"

const spec: Spec = {
  paths: {},
  components: {
    responses: {},
    parameters: {},
    schemas: {
      Slug: { type: "string", minLength: 1, maxLength: 64, pattern: "^[a-z]*/[a-z]+$" },
      Payload: {
        type: "object",
        properties: {
          attributes: {
            type: "object",
            properties: { request: { type: "object", properties: { ip: { type: "string" } } } }
          },
          optional: { type: "object", nullable: true, properties: { note: { type: "string" } } },
          list: { type: "array", items: { type: "object", properties: { id: { type: "string" } } } },
          free: { type: "object" }
        }
      }
    }
  }
}

const param = (wireName: string, schema: JsonSchema, location: Param["location"] = "query"): Param => ({
  wireName,
  schema,
  location,
  required: location === "path"
})

describe("paramFacts", () => {
  it("states range, default, enum, lengths, pattern and item counts, in camelCase", () => {
    expect(
      paramFacts(spec, [
        param("limit", { type: "integer", minimum: 1, maximum: 500, default: 10 }),
        param("offset", { type: "integer", minimum: 0, exclusiveMinimum: true }),
        param("order_by", { type: "string", enum: ["asc", "desc"], nullable: true }),
        param("slug", { $ref: "#/components/schemas/Slug" }, "path"),
        param("ids", { type: "array", maxItems: 100, items: { type: "string", maxLength: 1 } }, "body")
      ])
    ).toEqual([
      "- `limit` (query): integer, 1 to 500, default `10`",
      "- `offset` (query): integer, above 0",
      "- `orderBy` (query): string or null, one of `asc`, `desc`",
      // `*/` would end the doc comment the line is written into.
      "- `slug` (path, required): string, 1 to 64 characters, matching `^[a-z]*\\/[a-z]+$`",
      "- `ids` (body): array of string, at most 100 items, each at most 1 character"
    ])
  })

  it("leaves out a param the spec says nothing more about than its type", () => {
    expect(
      paramFacts(spec, [param("query", { type: "string" }), param("banned", { type: "boolean" })])
    ).toEqual([])
  })
})

describe("withNamedObjects", () => {
  const named = withNamedObjects(spec).components.schemas

  it("moves each non-null inline object of a component to a component named after its path", () => {
    expect(named.Payload?.properties?.attributes).toEqual({ $ref: "#/components/schemas/PayloadAttributes" })
    expect(named.PayloadAttributes?.properties?.request).toEqual({
      $ref: "#/components/schemas/PayloadAttributesRequest"
    })
    expect(named.PayloadAttributesRequest).toEqual({ type: "object", properties: { ip: { type: "string" } } })
    expect(named.Payload?.properties?.list?.items).toEqual({ $ref: "#/components/schemas/PayloadListItem" })
  })

  it("keeps nullable and free-form objects where they are", () => {
    expect(named.Payload?.properties?.optional).toEqual(spec.components.schemas.Payload?.properties?.optional)
    expect(named.Payload?.properties?.free).toEqual({ type: "object" })
    expect(Object.keys(named).sort()).toEqual([
      "Payload",
      "PayloadAttributes",
      "PayloadAttributesRequest",
      "PayloadListItem",
      "Slug"
    ])
  })
})
