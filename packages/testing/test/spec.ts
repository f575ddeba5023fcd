import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

/** The Backend API spec, from CLERK_OPENAPI_SPEC or the shared folder next to the repository. */
export const specPath =
  process.env.CLERK_OPENAPI_SPEC ?? resolve(repoRoot, "../shared/openapi/bapi-2026-05-12.yml")

export const specAvailable = existsSync(specPath)

/** Whether tests that need the spec run: in CI a missing spec is a failure, locally a skip. */
export const requireSpec = (suite: string): boolean => {
  if (specAvailable) return true
  if (process.env.CI) throw new Error(`${suite}: the OpenAPI spec is missing at ${specPath}`)
  console.log(`${suite}: skipped, no OpenAPI spec at ${specPath} (set CLERK_OPENAPI_SPEC)`)
  return false
}

export const readSpec = (): unknown => parse(readFileSync(specPath, "utf8"))

export { repoRoot }
