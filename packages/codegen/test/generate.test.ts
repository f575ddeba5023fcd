/**
 * The committed generated files must be exactly what the generator produces from
 * the spec and overlay: a stale file fails here, with the command that fixes it.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type GeneratedFile, generate, repoRoot } from "../src/generate.js"

const specPath = process.env.CLERK_OPENAPI_SPEC ?? join(repoRoot, "../shared/openapi/bapi-2026-05-12.yml")
const haveSpec = existsSync(specPath)
if (!haveSpec && process.env.CI) throw new Error(`the generator test needs Clerk's spec at ${specPath}`)
if (!haveSpec) console.log(`skipping the generator staleness test: no spec at ${specPath}`)

describe.skipIf(!haveSpec)("generated files", () => {
  // Both checks read the same output: generate it (a Biome run per file) once.
  let files: ReadonlyArray<GeneratedFile> = []
  beforeAll(() => {
    files = generate(specPath)
  }, 120_000)

  it("are up to date (run `pnpm codegen` when this fails)", () => {
    expect(files.length).toBeGreaterThan(40)
    const stale = files
      .filter((file) => !existsSync(file.path) || readFileSync(file.path, "utf8") !== file.content)
      .map((file) => file.path.slice(repoRoot.length + 1))
    expect(stale).toEqual([])
  })

  it("give every operation's response a schema that carries its fast decoder", () => {
    const models = files.find((file) => file.path.endsWith("/backend/src/generated/Models.ts"))!.content
    // An object schema is built under a private name (`User_`) and exported typed by its interfaces.
    const declares = (module: string, name: string, wrapper: string) =>
      [`export const ${name} = `, `const ${name}_ = `].some((start) => module.includes(`${start}${wrapper}(`))
    const carries = (module: string, success: string): boolean => {
      const model = /^Models\.(\w+)$/.exec(success)?.[1]
      if (model !== undefined) return declares(models, model, "Decode.withFastDecode")
      const item = /^Schema\.Array\((.+)\)$/.exec(success)?.[1]
      if (item !== undefined) return carries(module, item)
      // A declaration that decodes a value to itself: its guard is its decoder.
      if (success === "JsonObject" || success === "undefined") return true
      return declares(module, success, "Decode.withFastDecode")
    }
    const operations = files
      .filter((file) => /\/backend\/src\/generated\/[A-Z]\w+\.ts$/.test(file.path))
      .flatMap((file) =>
        Array.from(file.content.matchAll(/^ {2}success: (.+?),?$/gm), ([, success]) => ({
          success: success!,
          carries: carries(file.content, success!)
        }))
      )
    expect(operations.length).toBe(249)
    expect(operations.filter((operation) => !operation.carries)).toEqual([])
  })
})
