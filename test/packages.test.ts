// What each published package exposes and ships: the exports map names its public modules and
// nothing under internal/, the metadata npm shows is set, and the tarball carries README and LICENSE
// but no build info.
import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { repoRoot } from "../packages/codegen/src/generate.js"

interface Manifest {
  readonly name: string
  readonly private?: boolean
  readonly license?: string
  readonly homepage?: string
  readonly repository?: { readonly url?: string; readonly directory?: string }
  readonly exports?: Record<string, unknown>
}

const packages = readdirSync(join(repoRoot, "packages"))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(repoRoot, "packages", dir, "package.json"), "utf8")) as Manifest
  }))
  .filter(({ manifest }) => manifest.private !== true)

/** The modules of `src/<folder>`, by their paths under `src/` without `.ts`. */
const modulesIn = (dir: string, folder: string): ReadonlyArray<string> => {
  const path = join(repoRoot, "packages", dir, "src", folder)
  return existsSync(path)
    ? readdirSync(path)
        .filter((name) => name.endsWith(".ts"))
        .map((name) => join(folder, name.slice(0, -".ts".length)))
    : []
}

/**
 * The modules users may import, by their paths under `src/`: each top-level
 * file other than the index and the bin, and each generated module
 * (`generated/Users`), which users import by its name alone (`./Users`).
 */
const publicModules = (dir: string): ReadonlyArray<string> =>
  [
    ...modulesIn(dir, "").filter((module) => module !== "index" && module !== "bin"),
    ...modulesIn(dir, "generated")
  ].sort()

const entry = (module: string) => ({
  "@effect-clerk/source": `./src/${module}.ts`,
  types: `./dist/${module}.d.ts`,
  default: `./dist/${module}.js`
})

const rootLicense = readFileSync(join(repoRoot, "LICENSE"), "utf8")

it("publishes the four packages", () => {
  expect(packages.map(({ manifest }) => manifest.name).sort()).toEqual([
    "@effect-clerk/auth",
    "@effect-clerk/backend",
    "@effect-clerk/cli",
    "@effect-clerk/testing"
  ])
})

const built = packages.every(({ dir }) => existsSync(join(repoRoot, "packages", dir, "dist/index.js")))
if (!built && process.env.CI) throw new Error("the packages are not built: `pnpm test` builds them first")

describe.concurrent.each(packages)("$manifest.name", ({ dir, manifest }) => {
  it("exports its index and each public module by name, and nothing under internal/", () => {
    const expected: Record<string, unknown> = { "./package.json": "./package.json", ".": entry("index") }
    for (const module of publicModules(dir)) expected[`./${basename(module)}`] = entry(module)
    expect(manifest.exports).toEqual(expected)
  })

  it("states its license, homepage and repository", () => {
    expect(manifest.license).toBe("MIT")
    expect(manifest.homepage).toMatch(/^https:\/\//)
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/)
    expect(manifest.repository?.directory).toBe(`packages/${dir}`)
  })

  it("has a README and the repository's LICENSE", () => {
    expect(readFileSync(join(repoRoot, "packages", dir, "README.md"), "utf8")).toContain(`# ${manifest.name}`)
    expect(readFileSync(join(repoRoot, "packages", dir, "LICENSE"), "utf8")).toBe(rootLicense)
  })

  it.skipIf(!built)(
    "packs README, LICENSE, the built modules and their sources, and no build info",
    async () => {
      const { stdout } = await promisify(execFile)(
        "npm",
        ["pack", "--dry-run", "--json", "--ignore-scripts"],
        {
          cwd: join(repoRoot, "packages", dir)
        }
      )
      const [pack] = JSON.parse(stdout) as ReadonlyArray<{
        readonly files: ReadonlyArray<{ readonly path: string }>
      }>
      const files = pack!.files.map((file) => file.path)
      expect(files).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json"]))
      for (const module of ["index", ...publicModules(dir)]) {
        expect(files).toEqual(
          expect.arrayContaining([`dist/${module}.js`, `dist/${module}.d.ts`, `src/${module}.ts`])
        )
      }
      expect(files.filter((file) => file.includes("tsbuildinfo"))).toEqual([])
      expect(files.filter((file) => !/^(dist|src)\//.test(file)).sort()).toEqual([
        "LICENSE",
        "README.md",
        "package.json"
      ])
    }
  )
})
