/**
 * The real-world conformance corpus: response bodies and request expectations
 * collected from public sources other than Clerk's spec (Clerk's own SDKs' tests
 * and fixtures, bodies users posted, Clerk's documented examples). Every entry is
 * one JSON file naming its source and the operation it belongs to; the expected
 * values in it were read off the source by hand, never produced by this SDK.
 */
import * as Backend from "@effect-clerk/backend"
import { NodeHttpClient } from "@effect/platform-node"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { readdirSync, readFileSync } from "node:fs"
import type * as Http from "node:http"
import { join, relative } from "node:path"
import { noRetry } from "../../packages/backend/test/fakeClerk.js"
import { repoRoot } from "../../packages/codegen/src/generate.js"

/** Where an entry was read: a repository file (at a commit when known) or a web page. */
export interface Source {
  readonly repository?: string
  readonly path?: string
  readonly commit?: string
  readonly test?: string
  readonly url?: string
}

/** The fields a success must decode to, or the error a failure must surface as. */
export type ResponseExpectation =
  | {
      /** Dotted camelCase path into the decoded value (array indexes as numbers) -> expected JSON value. */
      readonly fields: Readonly<Record<string, unknown>>
    }
  | {
      readonly error: string
      readonly codes: ReadonlyArray<string>
      readonly clerkTraceId?: string
      /** The `Retry-After` seconds a 429 carries; null when the error must carry none. */
      readonly retryAfter?: number | null
    }

export interface ResponseEntry {
  readonly file: string
  readonly source: Source
  readonly operationId: string
  /** The params object of the SDK call that replays the logical call of the source. */
  readonly params: Readonly<Record<string, unknown>>
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body: unknown
  readonly expect: ResponseExpectation
  /**
   * A body written against an older API version (or cut down for a test) that lacks
   * keys the 2026-05-12 spec requires: decoding may fail, but only on these paths
   * (`*` stands for any array index).
   */
  readonly mayFailOn?: {
    readonly paths: ReadonlyArray<string>
    readonly reason: string
    /** A value the spec accepts for each lacking key, by wire path (`*` for every index). */
    readonly fill: Readonly<Record<string, unknown>>
  }
}

/** The request a Clerk SDK sends for a logical call, as its tests assert it. */
export interface RequestEntry {
  readonly file: string
  readonly source: Source
  readonly operationId: string
  readonly params: Readonly<Record<string, unknown>>
  readonly expect: {
    readonly method: string
    /** The path under the API base URL (`https://api.clerk.com/v1`), so without `/v1`. */
    readonly path: string
    /** Every query key and its values in order; keys not listed must not be sent. */
    readonly query: Readonly<Record<string, ReadonlyArray<string>>>
    /** The JSON body, or null for none. */
    readonly body: unknown
  }
}

const corpusRoot = join(repoRoot, "test/conformance")

const jsonFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? jsonFiles(join(dir, entry.name))
        : entry.name.endsWith(".json")
          ? [join(dir, entry.name)]
          : []
    )
    .sort()

const load = <A>(kind: string): ReadonlyArray<A & { readonly file: string }> =>
  jsonFiles(join(corpusRoot, kind)).map((path) => ({
    ...(JSON.parse(readFileSync(path, "utf8")) as A),
    file: relative(join(corpusRoot, kind), path)
  }))

export const responseEntries = (): ReadonlyArray<ResponseEntry> => load<ResponseEntry>("responses")
export const requestEntries = (): ReadonlyArray<RequestEntry> => load<RequestEntry>("requests")

/** A readable label for a source, for test names and reports. */
export const sourceLabel = (source: Source): string =>
  source.url ?? `${source.repository}${source.path === undefined ? "" : `/${source.path}`}`

type AnyCall = (
  params: unknown
) => Effect.Effect<unknown, { readonly _tag: string }, Backend.ClerkClient.ClerkClient>

/** operationId -> the public call, from the generated operations table (`| id | method | path | call |`). */
const callNames: ReadonlyMap<string, string> = new Map(
  readFileSync(join(repoRoot, "docs/operations.md"), "utf8")
    .split("\n")
    .flatMap((line) => {
      const match = /^\| (\w+) \| \w+ \| `[^`]+` \| `(\w+\.\w+)` \|$/.exec(line)
      return match === null ? [] : [[match[1]!, match[2]!] as const]
    })
)

export const callOf = (operationId: string): AnyCall => {
  const name = callNames.get(operationId)
  if (name === undefined) throw new Error(`${operationId} is not in docs/operations.md`)
  const [namespace, method] = name.split(".") as [string, string]
  const call = (Backend as unknown as Record<string, Record<string, AnyCall> | undefined>)[namespace]?.[
    method
  ]
  if (call === undefined) throw new Error(`${name} is missing from @effect-clerk/backend`)
  return call
}

/** What the local server answers next, and the requests it saw. */
export interface Script {
  reply: {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body: unknown
  }
  readonly seen: Array<{
    readonly method: string
    readonly url: URL
    readonly contentType: string | undefined
    readonly body: string
  }>
}

/** One handler for the whole file: records the request, answers the scripted reply. */
export const handler =
  (script: Script) =>
  (request: Http.IncomingMessage, response: Http.ServerResponse): void => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      script.seen.push({
        method: request.method ?? "",
        url: new URL(request.url ?? "/", "http://127.0.0.1"),
        contentType: request.headers["content-type"],
        body: Buffer.concat(chunks).toString("utf8")
      })
      const { body, headers, status } = script.reply
      const text = typeof body === "string" ? body : JSON.stringify(body)
      response.writeHead(status, { "content-type": "application/json", ...headers })
      response.end(status === 204 ? undefined : text)
    })
  }

/** The SDK pointed at the local server, over undici, without retries (one answer per call). */
export const clientLayer = (origin: string) =>
  Layer.merge(
    Backend.ClerkClient.layer({
      secretKey: Redacted.make("sk_test_conformance"),
      apiUrl: `${origin}/v1`
    }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
    noRetry
  )

/** Reads a dotted path (`data.0.emailAddress`) from a decoded value. */
export const readPath = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (current, key) =>
        current === null || current === undefined ? undefined : (current as Record<string, unknown>)[key],
      value
    )

/** The body with the keys it lacks filled in; keys it has stay as they are. */
export const filled = (body: unknown, fill: Readonly<Record<string, unknown>>): unknown => {
  const copy = structuredClone(body)
  for (const [path, value] of Object.entries(fill)) fillMissing(copy, path.split("."), value)
  return copy
}

const fillMissing = (node: unknown, keys: ReadonlyArray<string>, value: unknown): void => {
  if (node === null || typeof node !== "object") return
  const [key, ...rest] = keys as [string, ...Array<string>]
  if (key === "*") {
    if (Array.isArray(node)) for (const item of node) fillMissing(item, rest, value)
    return
  }
  const record = node as Record<string, unknown>
  if (rest.length > 0) fillMissing(record[key], rest, value)
  else if (!(key in record)) record[key] = structuredClone(value)
}

/** Whether an issue path (wire or camelCase keys) falls under an allowed path with `*` for indexes. */
export const coveredBy = (
  issuePath: ReadonlyArray<string | number>,
  allowed: ReadonlyArray<string>,
  camelCase: (name: string) => string
): boolean => {
  const keys = issuePath.map((key) => (typeof key === "number" ? String(key) : camelCase(key)))
  return allowed.some((pattern) => {
    const parts = pattern.split(".")
    return (
      parts.length <= keys.length &&
      parts.every((part, index) => part === keys[index] || (part === "*" && /^\d+$/.test(keys[index]!)))
    )
  })
}
