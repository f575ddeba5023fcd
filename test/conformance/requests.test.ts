/**
 * For logical calls whose request Clerk's own SDKs pin down in their tests (method,
 * path, query, body), checks that our SDK sends the same request for the same
 * call: the local server records what arrives and answers `{}`, whose decoding
 * does not matter here.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import { closeServer, listenLocally } from "../../packages/backend/test/localServer.js"
import { callOf, clientLayer, handler, requestEntries, type Script, sourceLabel } from "./corpus.js"

const entries = requestEntries()
const script: Script = { reply: { status: 200, body: {} }, seen: [] }
const server = Http.createServer(handler(script))
let origin = ""

/** The query as key -> values in the order sent. */
const queryOf = (url: URL): Record<string, Array<string>> => {
  const query: Record<string, Array<string>> = {}
  for (const [key, value] of url.searchParams) query[key] = [...(query[key] ?? []), value]
  return query
}

const segments = (path: string): ReadonlyArray<string> => path.split("/").map(decodeURIComponent)

describe("conformance: the requests Clerk's SDKs send", () => {
  beforeAll(async () => {
    origin = await listenLocally(server)
  })
  afterAll(() => closeServer(server))

  it.effect("the corpus holds at least 25 request expectations", () =>
    Effect.sync(() => expect(entries.length).toBeGreaterThanOrEqual(25))
  )

  for (const entry of entries) {
    const { method, path } = entry.expect
    it.effect(
      `${entry.file}: ${entry.operationId} sends ${method} ${path} [${sourceLabel(entry.source)}]`,
      () =>
        Effect.gen(function* () {
          const before = script.seen.length
          const result = yield* callOf(entry.operationId)(entry.params).pipe(
            Effect.either,
            Effect.provide(clientLayer(origin))
          )
          const sent = script.seen.slice(before)
          expect(
            sent.length,
            `no request was sent: ${result._tag === "Left" ? String(result.left) : ""}`
          ).toBe(1)
          const request = sent[0]!
          expect(request.method).toBe(method)
          // Paths are kept relative to the API base (`/v1`): Clerk's JS SDK drops the version for machine endpoints.
          // Segments compare decoded, as Clerk's router reads them (`role_set:default` and `role_set%3Adefault`).
          expect(segments(request.url.pathname.replace(/^\/v1(?=\/)/, ""))).toEqual(segments(path))
          expect(queryOf(request.url)).toEqual(entry.expect.query)
          expect(request.body === "" ? null : JSON.parse(request.body)).toEqual(entry.expect.body)
        })
    )
  }
})
