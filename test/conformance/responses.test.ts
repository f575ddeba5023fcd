/**
 * Replays every response body of the conformance corpus through the public call of
 * its operation, over real HTTP from one local server, and checks what the caller
 * gets: the decoded fields, or the error's tag, codes and trace id. A body that
 * lacks keys our API version requires may fail to decode, but only on those keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Http from "node:http"
import { closeServer, listenLocally } from "../../packages/backend/test/localServer.js"
import { camelCase } from "../../packages/codegen/src/naming.js"
import {
  callOf,
  clientLayer,
  coveredBy,
  filled,
  handler,
  type ResponseEntry,
  readPath,
  responseEntries,
  type Script,
  sourceLabel
} from "./corpus.js"

const entries = responseEntries()
const script: Script = { reply: { status: 599, body: "" }, seen: [] }
const server = Http.createServer(handler(script))
let origin = ""

interface ErrorShape {
  readonly _tag: string
  readonly errors?: ReadonlyArray<{ readonly code: string }>
  readonly clerkTraceId?: string
  readonly retryAfter?: number
  readonly issues?: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
}

const title = (entry: ResponseEntry): string => {
  const outcome =
    "error" in entry.expect
      ? `fails with ${entry.expect.error}`
      : entry.mayFailOn === undefined
        ? "decodes"
        : `decodes, or fails only on the keys it lacks (${entry.mayFailOn.paths.join(", ")}); with them filled in, decodes`
  return `${entry.file}: ${entry.operationId} ${entry.status} ${outcome} [${sourceLabel(entry.source)}]`
}

const replay = (entry: ResponseEntry, body: unknown) =>
  Effect.suspend(() => {
    script.reply = { status: entry.status, body, ...(entry.headers && { headers: entry.headers }) }
    return callOf(entry.operationId)(entry.params)
  }).pipe(Effect.either, Effect.provide(clientLayer(origin)))

describe("conformance: real response bodies", () => {
  it.effect("the corpus holds at least 130 bodies from at least 3 sources", () =>
    Effect.sync(() => {
      expect(entries.length).toBeGreaterThanOrEqual(130)
      const repositories = new Set(
        entries.map((entry) => entry.source.repository ?? new URL(entry.source.url!).host)
      )
      expect(repositories.size).toBeGreaterThanOrEqual(3)
    })
  )

  beforeAll(async () => {
    origin = await listenLocally(server)
  })
  afterAll(() => closeServer(server))

  for (const entry of entries) {
    it.effect(title(entry), () =>
      Effect.gen(function* () {
        const result = yield* replay(entry, entry.body)
        const expectation = entry.expect
        if ("error" in expectation) {
          const error = Either.isLeft(result) ? (result.left as ErrorShape) : undefined
          expect(error?._tag, String(error ?? "a success")).toBe(expectation.error)
          expect((error?.errors ?? []).map((detail) => detail.code)).toEqual(expectation.codes)
          if (expectation.clerkTraceId !== undefined)
            expect(error?.clerkTraceId).toBe(expectation.clerkTraceId)
          if (expectation.retryAfter !== undefined)
            expect(error?.retryAfter ?? null).toBe(expectation.retryAfter)
          return
        }
        const checkFields = (decoded: Either.Either<unknown, unknown>) => {
          if (Either.isLeft(decoded)) return expect.fail(String(decoded.left))
          for (const [path, value] of Object.entries(expectation.fields))
            expect(readPath(decoded.right, path), path).toEqual(value)
        }
        const lacking = entry.mayFailOn
        if (lacking === undefined) return checkFields(result)
        if (Either.isLeft(result)) {
          const error = result.left as ErrorShape
          expect(error._tag, String(error)).toBe("ResponseValidationError")
          const stray = (error.issues ?? [])
            .filter((issue) => !coveredBy(issue.path, lacking.paths, camelCase))
            .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
          expect(stray.join("; "), "issues outside the keys this body is known to lack").toBe("")
        } else checkFields(result)
        // The decoder may stop at the first missing key; with every lacking key filled in, the rest
        // of the body (old discriminators, objects without `object`) must decode to the fields.
        checkFields(yield* replay(entry, filled(entry.body, lacking.fill)))
      })
    )
  }
})
