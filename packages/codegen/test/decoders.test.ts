/**
 * Generated decoders for a model written here, run on the values `JSON.parse`
 * gives: an optional key is absent, present as `undefined`, or present with a
 * value, also where its name is one that every object inherits.
 */
import { describe, expect, it } from "@effect/vitest"
import ts from "typescript"
import * as Decode from "../../backend/src/internal/fastDecode.js"
import { makeRegistry, modelDecoders } from "../src/decoders.js"
import type { Context } from "../src/schemas.js"
import type { JsonSchema, Spec } from "../src/spec.js"

const Note: JsonSchema = {
  type: "object",
  // Required and nullable: absent, `undefined` and `null` all decode to `null`.
  required: ["id", "edited_at", "valueOf"],
  properties: {
    id: { type: "string" },
    text: { type: "string" },
    constructor: { type: "string" },
    edited_at: { type: "integer", nullable: true },
    valueOf: { type: "integer", nullable: true }
  }
}

/**
 * The generated TypeScript, stripped of its types and run with the runtime's helpers
 * (`new Function` only here: the package itself ships the generated code as modules),
 * its rejection turned into `undefined` as `withFastDecode` does.
 */
const decoderOf = (schema: JsonSchema): ((input: unknown) => unknown) => {
  const spec: Spec = { paths: {}, components: { schemas: { Note: schema }, responses: {}, parameters: {} } }
  const ctx: Context = { spec, mode: "response", modelRef: (component) => component }
  const { code, decoder } = modelDecoders("Note", schema, ctx, makeRegistry())
  const js = ts.transpileModule(`${code}\nreturn ${decoder}`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022 }
  }).outputText
  const decode: (input: unknown) => unknown = new Function("Decode", js)(Decode)
  return (input) => Decode.attempt(input, decode)
}

describe("generated struct decoders", () => {
  const decode = decoderOf(Note)

  it("keep an absent optional key absent, even one every object inherits", () => {
    expect(Reflect.ownKeys(decode(JSON.parse('{"id":"n_1"}')) as object)).toEqual([
      "id",
      "editedAt",
      "valueOf"
    ])
    expect(decode(JSON.parse('{"id":"n_1"}'))).toStrictEqual({ id: "n_1", editedAt: null, valueOf: null })
  })

  it("keep a present `undefined` and a present value", () => {
    const decoded = decode({ id: "n_1", text: undefined, constructor: "c", valueOf: 3 })
    expect(decoded).toStrictEqual({
      id: "n_1",
      text: undefined,
      constructor: "c",
      editedAt: null,
      valueOf: 3
    })
    expect(Object.hasOwn(decoded as object, "text")).toBe(true)
  })

  it("reject a wrong type behind any of the reads", () => {
    expect(decode({ id: "n_1", text: 1 })).toBeUndefined()
    expect(decode({ id: "n_1", constructor: 1 })).toBeUndefined()
    expect(decode({ id: "n_1", valueOf: "3" })).toBeUndefined()
    expect(decode({ text: "no id" })).toBeUndefined()
  })
})
