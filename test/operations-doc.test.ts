/**
 * docs/operations.md lists every operation of the spec; each row's call must
 * exist in the BUILT package (`pnpm build` runs before the tests).
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { repoRoot } from "../packages/codegen/src/generate.js"

const rows = readFileSync(join(repoRoot, "docs/operations.md"), "utf8")
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| operationId") && !line.startsWith("| ---"))
  .map((line) => line.split("|").map((cell) => cell.trim().replace(/`/g, "")))
  .map(([, operationId, method, path, call]) => ({
    operationId: operationId!,
    method: method!,
    path: path!,
    call: call!
  }))

const built = join(repoRoot, "packages/backend/dist/index.js")
if (!existsSync(built) && process.env.CI)
  throw new Error("packages/backend is not built: `pnpm test` builds it first")

describe("docs/operations.md", () => {
  it("has one row per operation, each with a distinct operationId and call", () => {
    expect(rows).toHaveLength(249)
    expect(new Set(rows.map((row) => row.operationId)).size).toBe(249)
    expect(new Set(rows.map((row) => row.call)).size).toBe(249)
  })

  it.skipIf(!existsSync(built))("names calls that exist in the built package", async () => {
    const backend = (await import(pathToFileURL(built).href)) as Record<string, Record<string, unknown>>
    const missing = rows.filter((row) => {
      const [namespace, name] = row.call.split(".")
      return typeof backend[namespace!]?.[name!] !== "function"
    })
    expect(missing.map((row) => row.call)).toEqual([])
  })
})
