/**
 * The whole generation as a pure function from spec path to file contents, so the
 * CLI and the staleness test share it.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { emulatorHandlersModule, emulatorOperationsModule } from "./emulator.js"
import { indexModule, modelsModule, namespaceModule, operationsDoc } from "./emit.js"
import { operationModels } from "./operations.js"
import { applyOverlay, loadOverlay } from "./overlay.js"
import { withNamedObjects, withUnknownVariants } from "./schemas.js"
import { type Spec, loadSpec } from "./spec.js"
import { loadWebhooksSpec, webhookEventsModule, webhooksSpecPath } from "./webhooks.js"

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

const overlayPath = join(repoRoot, "packages/codegen/overlay.yaml")
const backendSrc = join(repoRoot, "packages/backend/src")
/** Generated modules sit in a folder of their own, apart from the hand-written ones; the index stays the package's entry. */
const backendGenerated = join(backendSrc, "generated")
const emulatorSrc = join(repoRoot, "packages/testing/src/internal")

/** The emulator's resource modules, by file name without `.ts`, sorted. */
const emulatorResources = (): ReadonlyArray<string> =>
  readdirSync(join(emulatorSrc, "resources"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => file.slice(0, -3))
    .sort()

/** The spec the user passed, else `CLERK_OPENAPI_SPEC`, else `../shared/openapi/` beside the repo. */
export const specPath = (explicit?: string): string => {
  const path =
    explicit ?? process.env.CLERK_OPENAPI_SPEC ?? join(repoRoot, "../shared/openapi/bapi-2026-05-12.yml")
  if (!existsSync(path))
    throw new Error(`Clerk's OpenAPI spec not found at ${path}; pass its path or set CLERK_OPENAPI_SPEC`)
  return path
}

export interface GeneratedFile {
  readonly path: string
  readonly content: string
}

/** Formats with the repo's Biome settings, as if the file were at `path`. */
const format = (path: string, content: string): string =>
  execFileSync(
    join(repoRoot, "node_modules/.bin/biome"),
    ["format", `--stdin-file-path=${relative(repoRoot, path)}`],
    {
      cwd: repoRoot,
      input: content,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024
    }
  )

/** The spec with the overlay's corrections applied: the contract the SDK is generated from. */
export const loadCorrectedSpec = (path: string): Spec => {
  const spec = loadSpec(path)
  applyOverlay(spec, loadOverlay(overlayPath))
  return spec
}

export const generate = (spec: string): ReadonlyArray<GeneratedFile> => {
  const parsed = withUnknownVariants(loadCorrectedSpec(spec))
  const operations = operationModels(parsed)
  const namespaces = [...new Set(operations.map((operation) => operation.namespace))].sort()
  const files: Array<GeneratedFile> = [
    { path: join(backendGenerated, "Models.ts"), content: modelsModule(parsed) },
    { path: join(backendSrc, "index.ts"), content: indexModule(namespaces) },
    ...namespaces.map((namespace) => ({
      path: join(backendGenerated, `${namespace}.ts`),
      content: namespaceModule(
        parsed,
        operations.filter((operation) => operation.namespace === namespace)
      )
    })),
    {
      // The emulator answers as the spec says, so Prism checks it against the spec as published.
      path: join(emulatorSrc, "generated/operations.ts"),
      content: emulatorOperationsModule(loadSpec(spec), loadCorrectedSpec(spec), operations)
    },
    {
      path: join(emulatorSrc, "generated/handlers.ts"),
      content: emulatorHandlersModule(emulatorResources())
    },
    {
      path: join(repoRoot, "packages/auth/src/generated/WebhookEvents.ts"),
      content: webhookEventsModule(
        withNamedObjects(withUnknownVariants(loadWebhooksSpec(webhooksSpecPath(spec))))
      )
    }
  ]
  return [
    ...files.map((file) => ({ path: file.path, content: format(file.path, file.content) })),
    { path: join(repoRoot, "docs/operations.md"), content: operationsDoc(operations) }
  ]
}
