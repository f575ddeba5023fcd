/**
 * The SDK against Prism serving Clerk's spec: every operation is called through
 * its TypeScript call; Prism must accept every request (no request violations in
 * `sl-violations`) and every response must decode, both with the spec's static
 * examples and with responses Prism generates from the schemas (`-d`).
 */
import * as Backend from "@effect-clerk/backend"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, FiberRef, Layer, Redacted } from "effect"
import { existsSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadCorrectedSpec, repoRoot } from "../packages/codegen/src/generate.js"
import { type OperationModel, operationModels } from "../packages/codegen/src/operations.js"
import type { Spec } from "../packages/codegen/src/spec.js"
import { type Prism, preferDynamic, startPrism } from "./support/prism.js"
import { paramsFor } from "./support/samples.js"

const specPath = process.env.CLERK_OPENAPI_SPEC ?? join(repoRoot, "../shared/openapi/bapi-2026-05-12.yml")
const haveSpec = existsSync(specPath)
if (!haveSpec && process.env.CI) throw new Error(`the contract test needs Clerk's spec at ${specPath}`)
if (!haveSpec)
  console.log(`skipping the Prism contract test: no spec at ${specPath} (set CLERK_OPENAPI_SPEC)`)

type AnyCall = (
  params: unknown
) => Effect.Effect<
  unknown,
  { readonly _tag: string; readonly message: string },
  Backend.ClerkClient.ClerkClient
>

const callOf = (operation: OperationModel): AnyCall => {
  const namespace = (Backend as unknown as Record<string, Record<string, AnyCall>>)[operation.namespace]
  const call = namespace?.[operation.name]
  if (call === undefined)
    throw new Error(`${operation.namespace}.${operation.name} is missing from the package`)
  return call
}

interface Outcome {
  readonly call: string
  readonly requestViolations: ReadonlyArray<string>
  readonly failure: string | undefined
}

/** The call a response belongs to, so Prism's verdict can be filed under it. */
const currentCall = FiberRef.unsafeMake("")

/**
 * An HttpClient that sends `headers` with every request and files the request
 * violations Prism reports in `sl-violations`.
 */
const recordingClient = (violations: Map<string, ReadonlyArray<string>>, headers: Record<string, string>) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.transformResponse(
        HttpClient.mapRequest(client, HttpClientRequest.setHeaders(headers)),
        (response) =>
          Effect.tap(response, (res) =>
            Effect.flatMap(FiberRef.get(currentCall), (call) => {
              const header = res.headers["sl-violations"]
              if (header === undefined) return Effect.void
              const issues = (JSON.parse(header) as Array<{ location: Array<string>; message: string }>)
                .filter((violation) => violation.location[0] === "request")
                .map((violation) => `${violation.location.join(".")}: ${violation.message}`)
              if (issues.length > 0) violations.set(call, issues)
              return Effect.void
            })
          )
      )
    )
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Runs every operation `times` times against `prism`, each request with `headers`. */
const runAll = (
  prism: Prism,
  spec: Spec,
  operations: ReadonlyArray<OperationModel>,
  times: number,
  headers: Record<string, string>
): Effect.Effect<ReadonlyArray<Outcome>> => {
  const violations = new Map<string, ReadonlyArray<string>>()
  // Prism keeps no state, so a write whose pooled connection Prism closed as it
  // was sent is sent again rather than counted against the contract.
  const clerk = Layer.merge(
    Backend.ClerkClient.layer({
      secretKey: Redacted.make("sk_test_contract"),
      apiUrl: prism.url
    }).pipe(Layer.provide(recordingClient(violations, headers)), Layer.orDie),
    Backend.RetryPolicy.layer({ replayWrites: true })
  )
  const calls = operations.flatMap((operation) =>
    Array.from({ length: times }, (_, round) => ({ operation, round }))
  )
  return Effect.forEach(
    calls,
    ({ operation, round }) => {
      const call = `${operation.operationId}#${round}`
      return callOf(operation)(paramsFor(spec, operation)).pipe(
        Effect.locally(currentCall, call),
        Effect.match({
          onFailure: (error) => `${error._tag}: ${error.message}`,
          onSuccess: () => undefined
        }),
        Effect.map((failure): Outcome => ({ call, requestViolations: violations.get(call) ?? [], failure }))
      )
    },
    { concurrency: 8 }
  ).pipe(Effect.provide(clerk))
}

const report = (label: string, outcomes: ReadonlyArray<Outcome>) => {
  const rejected = outcomes.filter((outcome) => outcome.requestViolations.length > 0)
  const failed = outcomes.filter((outcome) => outcome.failure !== undefined)
  console.log(
    `Prism ${label}: ${outcomes.length} calls, ${outcomes.length - rejected.length} requests accepted, ` +
      `${outcomes.length - failed.length} responses decoded (${((100 * (outcomes.length - failed.length)) / outcomes.length).toFixed(2)}%)`
  )
  for (const outcome of rejected)
    console.log(`  request rejected ${outcome.call}: ${outcome.requestViolations.join("; ")}`)
  for (const outcome of failed) console.log(`  failed ${outcome.call}: ${outcome.failure}`)
  return { rejected, failed }
}

describe.skipIf(!haveSpec)("contract against Prism", () => {
  // Prism serves the spec with the overlay's corrections, the contract the SDK is generated from.
  const spec = haveSpec ? loadCorrectedSpec(specPath) : undefined
  const correctedSpecPath = join(tmpdir(), `clerk-bapi-corrected-${process.pid}.json`)
  if (spec !== undefined) writeFileSync(correctedSpecPath, JSON.stringify(spec))
  const operations = spec === undefined ? [] : operationModels(spec)

  it("covers every operation of the spec", () => {
    expect(operations.length).toBe(249)
    for (const operation of operations) expect(typeof callOf(operation)).toBe("function")
  })

  // One Prism for both runs: starting one loads and resolves the whole spec.
  let prism: Prism | undefined
  beforeAll(async () => {
    if (haveSpec) prism = await startPrism(correctedSpecPath)
  }, 90_000)
  afterAll(() => prism?.stop())

  // Live: the runs talk to a real Prism, and the SDK's retry waits and attempt timeouts
  // are Clock sleeps, which `it.effect`'s TestClock would hold forever.
  it.live(
    "static examples: every request accepted, every response decoded",
    () =>
      Effect.map(runAll(prism!, spec!, operations, 1, {}), (outcomes) => {
        const { rejected, failed } = report("static", outcomes)
        expect(rejected.map((outcome) => outcome.call)).toEqual([])
        expect(failed.map((outcome) => outcome.call)).toEqual([])
      }),
    180_000
  )

  it.live(
    "generated responses: every request accepted, at least 99.5% decoded",
    () =>
      Effect.map(runAll(prism!, spec!, operations, 3, preferDynamic), (outcomes) => {
        const { rejected, failed } = report("dynamic", outcomes)
        expect(rejected.map((outcome) => outcome.call)).toEqual([])
        expect(failed.length / outcomes.length).toBeLessThanOrEqual(0.005)
      }),
    300_000
  )
})
