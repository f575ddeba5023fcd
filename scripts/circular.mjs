// Fails when a package's modules import each other in a circle (type-only imports aside), as
// Effect's own monorepo checks: a cycle makes the load order, and so what a module sees at import
// time, depend on which module a program imports first.
import { readdirSync } from "node:fs"
import madge from "madge"

const sources = readdirSync("packages").map((dir) => `packages/${dir}/src`)
const result = await madge(sources, {
  fileExtensions: ["ts"],
  detectiveOptions: { ts: { skipTypeImports: true } }
})
const circular = result.circular()
if (circular.length > 0) {
  console.error("Circular imports found:")
  for (const cycle of circular) console.error(`  ${cycle.join(" -> ")}`)
  process.exit(1)
}
console.log(`No circular imports in ${Object.keys(result.obj()).length} modules`)
