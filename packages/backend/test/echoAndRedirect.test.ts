/**
 * Two ways a server between the SDK and Clerk can mislead it: echoing the
 * request's headers (the secret key among them) into what it answers, and
 * redirecting a call elsewhere. Each runs over every transport against a real
 * local server.
 */
import * as Http from "node:http"
import * as Util from "node:util"
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"
import { closeServer, listenLocally } from "./localServer.js"
import { clerkOver, nodeTransports } from "./nodeTransports.js"

const transports = [
  ...nodeTransports,
  { name: "FetchHttpClient.layer", layer: FetchHttpClient.layer }
] as const

/** What a proxy echoing the request's headers would put in its answer. */
const echoed = (request: Http.IncomingMessage) => JSON.stringify(request.headers)

let clerk: Http.Server
let elsewhere: Http.Server
let elsewhereUrl: string
let apiUrl: string
/** Requests the host a redirect points to received. */
const redirected: Array<string> = []

beforeAll(async () => {
  elsewhere = Http.createServer((request, response) => {
    redirected.push(`${request.method} ${request.url}`)
    response.writeHead(200, { "content-type": "application/json" })
    response.end(JSON.stringify(FakeClerk.user({ id: "user_from_elsewhere" })))
  })
  elsewhereUrl = await listenLocally(elsewhere)
  clerk = Http.createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      const route = request.url ?? ""
      if (route.endsWith("/users/echo-json")) {
        // Clerk's error shape, with the headers in its messages and meta.
        response.writeHead(403, { "content-type": "application/json", "x-clerk-trace-id": echoed(request) })
        response.end(
          JSON.stringify({
            errors: [
              {
                code: "forbidden",
                message: echoed(request),
                long_message: echoed(request),
                meta: { headers: request.headers }
              }
            ],
            meta: { request: request.headers }
          })
        )
      } else if (route.endsWith("/users/echo-html")) {
        response.writeHead(502, { "content-type": "text/html" })
        response.end(`<html><body><h1>Bad Gateway</h1><pre>${echoed(request)}</pre></body></html>`)
      } else if (route.endsWith("/users/echo-success")) {
        // A 2xx its schema rejects: the body is kept in the error, the echo with it.
        response.writeHead(200, { "content-type": "application/json" })
        response.end(
          JSON.stringify({ object: "user", id: 42, headers: request.headers, [echoed(request)]: 1 })
        )
      } else {
        response.writeHead(302, { location: `${elsewhereUrl}/v1/users` })
        response.end()
      }
    })
  })
  apiUrl = `${await listenLocally(clerk)}/v1`
})

afterAll(async () => {
  await closeServer(clerk)
  await closeServer(elsewhere)
})

const renderings = (error: unknown): ReadonlyArray<string> => [
  error instanceof Error ? error.message : "",
  String(error),
  JSON.stringify(error),
  Util.inspect(error, { depth: 20 }),
  Cause.pretty(Cause.fail(error))
]

for (const transport of transports) {
  describe(`over ${transport.name}`, () => {
    // Built when a test runs: the server's URL is known only after `beforeAll`.
    const provided = () => Layer.merge(clerkOver(apiUrl, transport.layer), FakeClerk.noRetry)

    it.effect("a server echoing the secret key does not put it into any rendering of the error", () =>
      Effect.gen(function* () {
        const errors = [
          yield* Effect.flip(Users.get({ userId: "echo-json" })),
          yield* Effect.flip(Users.get({ userId: "echo-html" })),
          yield* Effect.flip(Users.get({ userId: "echo-success" }))
        ]
        expect(errors.map((error) => error._tag)).toEqual([
          "ClerkForbidden",
          "SDKError",
          "ResponseValidationError"
        ])
        for (const error of errors) {
          const texts = renderings(error)
          // The control: what the server sent is in the error, its secret replaced.
          expect(texts.join("\n")).toContain("redacted secret key")
          for (const text of texts) expect(text).not.toContain(FakeClerk.secretKey)
        }
      }).pipe(Effect.provide(provided()))
    )

    it.effect("a redirect answering a write is not followed: the call fails with an SDKError naming it", () =>
      Effect.gen(function* () {
        redirected.length = 0
        const error = yield* Effect.flip(Users.create({ firstName: "Ada" }))
        if (error._tag !== "SDKError") return expect.unreachable(error._tag)
        expect(error.status).toBe(302)
        expect(error.reason).toContain("redirect")
        expect(redirected).toEqual([])
      }).pipe(Effect.provide(provided()))
    )
  })
}
