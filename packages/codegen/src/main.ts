/**
 * `pnpm codegen`: regenerates the backend's resource modules and docs/operations.md
 * from the spec plus overlay. `--check` writes nothing and fails when the
 * committed files differ from what the generator produces.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { generate, specPath } from "./generate.js"

const check = process.argv.includes("--check")
const files = generate(specPath(process.argv.find((arg) => arg.endsWith(".yml") || arg.endsWith(".yaml"))))
const stale = files.filter(
  (file) => !existsSync(file.path) || readFileSync(file.path, "utf8") !== file.content
)
if (check) {
  for (const file of stale) console.error(`stale: ${file.path}`)
  if (stale.length > 0) {
    console.error("run `pnpm codegen` and commit the result")
    process.exit(1)
  }
  console.log(`${files.length} generated files are up to date`)
} else {
  for (const file of stale) {
    mkdirSync(dirname(file.path), { recursive: true })
    writeFileSync(file.path, file.content)
  }
  console.log(`wrote ${stale.length} of ${files.length} generated files`)
}
