import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { operations } from "../src/internal/generated/operations.js"
import { at, str } from "./harness.js"
import { readSpec, requireSpec } from "./spec.js"

const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

describe.runIf(requireSpec("operations table"))("operations table", () => {
  it.effect("lists every operation of the spec with its method and path", () =>
    Effect.sync(() => {
      const paths = at(readSpec(), "paths")
      const fromSpec: Array<readonly [string, string, string]> = []
      for (const [path, item] of Object.entries(typeof paths === "object" && paths !== null ? paths : {})) {
        for (const method of methods) {
          const operation = at(item, method)
          if (operation !== undefined)
            fromSpec.push([method.toUpperCase(), path, str(operation, "operationId")])
        }
      }
      const key = (op: readonly [string, string, string]) => op.join(" ")
      expect(operations.map((op) => key([op.method, op.path, op.operationId])).sort()).toEqual(
        fromSpec.map(key).sort()
      )
    })
  )
})
