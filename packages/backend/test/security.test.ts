import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Util from "node:util"
import * as HttpClient from "@effect/platform/HttpClient"
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import { ClerkClient, RetryPolicy, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"
import * as TracingRecorder from "./tracingRecorder.js"
import { closeServer, listenLocally } from "./localServer.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/**
 * A local Backend API: `/v1/users/missing` is a 404, `/v1/users/gateway` an HTML
 * 502, any other user id answers a user whose metadata tries prototype pollution.
 */
const poisonedUser = JSON.stringify(FakeClerk.user()).replace(
  '"public_metadata":{}',
  '"public_metadata":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"plan":"pro"}'
)
let server: Http.Server
let apiUrl: string
const seen: Array<Seen> = []

beforeAll(async () => {
  server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString()
      })
      if (req.url === "/v1/users/missing") {
        res.writeHead(404, { "content-type": "application/json" })
        res.end(JSON.stringify(FakeClerk.clerkError("resource_not_found")))
      } else if (req.url === "/v1/users/gateway") {
        res.writeHead(502, { "content-type": "text/html" })
        res.end("<html><body>502 Bad Gateway</body></html>")
      } else {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(poisonedUser)
      }
    })
  })
  apiUrl = `${await listenLocally(server)}/v1`
})

afterAll(() => closeServer(server))

const clerk = (options: { readonly secretKey?: string; readonly apiUrl?: string } = {}) =>
  ClerkClient.layer({
    secretKey: Redacted.make(options.secretKey ?? FakeClerk.secretKey),
    apiUrl: options.apiUrl ?? apiUrl
  }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.merge(RetryPolicy.layerService(RetryPolicy.disabled))
  )

/** A port nothing listens on: a bound-then-closed server's. */
const closedPort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const probe = Http.createServer()
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
    })
)

const renderings = (error: unknown): ReadonlyArray<string> => [
  error instanceof Error ? error.message : "",
  String(error),
  JSON.stringify(error),
  Util.inspect(error, { depth: 20 }),
  Cause.pretty(Cause.fail(error))
]

describe("the secret key", () => {
  it.live("appears in no error, log line or span, with Debug logging and tracing on", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.zip(
        Logger.map(Logger.logfmtLogger, (line) => lines.push(line)),
        Logger.map(Logger.jsonLogger, (line) => lines.push(line))
      )
      const recorder = TracingRecorder.make()
      const port = yield* closedPort
      const failures: ReadonlyArray<Effect.Effect<unknown, unknown>> = [
        Effect.provide(Users.get({ userId: "missing" }), clerk()),
        Effect.provide(Users.get({ userId: "gateway" }), clerk()),
        Effect.provide(Users.list({ limit: 501 }), clerk()),
        Effect.provide(Users.get({ userId: "anyone" }), clerk({ apiUrl: `http://127.0.0.1:${port}/v1` })),
        Effect.provide(Users.get({ userId: "anyone" }), clerk({ apiUrl: "http://clerk.example.com/v1" }))
      ]
      const errors: Array<unknown> = []
      yield* Effect.gen(function* () {
        yield* Users.get({ userId: "anyone" }).pipe(Effect.provide(clerk()))
        for (const failing of failures) {
          const error = yield* Effect.flip(failing)
          errors.push(error)
          yield* Effect.logDebug("clerk call failed", error)
          yield* Effect.logError(Cause.fail(error))
        }
      }).pipe(
        Effect.withSpan("request handler"),
        Effect.withTracer(recorder.tracer),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      // The controls: every kind of failure happened, was logged and was traced.
      expect(errors.map((error) => (error as { _tag: string })._tag)).toEqual([
        "ClerkNotFound",
        "SDKError",
        "RequestValidationError",
        "RequestError",
        "InvalidClientOptions"
      ])
      expect(lines.length).toBe(20)
      expect(recorder.spans.filter((span) => span.name === "Clerk.GetUser").length).toBe(4)
      expect(seen.some((request) => request.headers.authorization === `Bearer ${FakeClerk.secretKey}`)).toBe(
        true
      )

      for (const error of errors)
        for (const text of renderings(error)) expect(text).not.toContain(FakeClerk.secretKey)
      for (const line of lines) expect(line).not.toContain(FakeClerk.secretKey)
      for (const span of recorder.spans) {
        const exit = span.exit?._tag === "Failure" ? Cause.pretty(span.exit.cause) : ""
        const recorded = JSON.stringify([span.name, [...span.attributes], span.events, span.exit]) + exit
        expect(recorded).not.toContain(FakeClerk.secretKey)
      }
    })
  )

  it.live("a ResponseError raised by the user's own HttpClient middleware leaves without the secret", () =>
    Effect.gen(function* () {
      // `filterStatusOk` fails on the 404 with a ResponseError that holds the request it answered.
      const strict = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.filterStatusOk)
      ).pipe(Layer.provide(NodeHttpClient.layerUndici))
      const layer = ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl }).pipe(
        Layer.provide(strict),
        Layer.merge(RetryPolicy.layerService(RetryPolicy.disabled))
      )
      const error = yield* Effect.flip(Effect.provide(Users.get({ userId: "missing" }), layer))
      expect(error._tag).toBe("ResponseError")
      for (const text of renderings(error)) expect(text).not.toContain(FakeClerk.secretKey)
      if (error._tag === "ResponseError") {
        expect(error.response.status).toBe(404)
        expect(error.request.headers.authorization).not.toContain(FakeClerk.secretKey)
        // The redacted response still reads the body it answered with.
        expect(yield* error.response.json).toEqual(FakeClerk.clerkError("resource_not_found"))
      }
    })
  )

  it.live("a secret with CR/LF is refused before anything is sent, and the error does not echo it", () =>
    Effect.gen(function* () {
      seen.length = 0
      const secretKey = "sk_test_injected\r\nX-Injected: 1"
      const error = yield* Effect.flip(Effect.provide(Users.get({ userId: "anyone" }), clerk({ secretKey })))
      expect(["RequestError", "InvalidClientOptions"]).toContain(error._tag)
      expect(seen).toEqual([])
      for (const text of renderings(error)) expect(text).not.toContain("sk_test_injected")
    })
  )
})

describe("path params", () => {
  for (const [userId, path] of [
    ["../users", "/v1/users/..%2Fusers"],
    ["a/b?x=1", "/v1/users/a%2Fb%3Fx%3D1"],
    ["a#b", "/v1/users/a%23b"],
    ["user\r\nX-Injected: 1", "/v1/users/user%0D%0AX-Injected%3A%201"],
    ["%2e%2e", "/v1/users/%252e%252e"]
  ] as const) {
    it.live(`${JSON.stringify(userId)} stays inside its segment`, () =>
      Effect.gen(function* () {
        seen.length = 0
        yield* Users.get({ userId }).pipe(Effect.provide(clerk()))
        expect(seen.map((request) => request.url)).toEqual([path])
        expect(seen[0]?.headers["x-injected"]).toBeUndefined()
      })
    )
  }

  for (const userId of ["..", ".", ""]) {
    it.live(`${JSON.stringify(userId)} is refused before sending`, () =>
      Effect.gen(function* () {
        seen.length = 0
        const error = yield* Effect.flip(Users.get({ userId }).pipe(Effect.provide(clerk())))
        expect(error._tag).toBe("RequestValidationError")
        expect(seen).toEqual([])
      })
    )
  }
})

describe("metadata", () => {
  it.live("__proto__ and constructor keys in a response stay data and pollute no prototype", () =>
    Effect.gen(function* () {
      const user = yield* Users.get({ userId: "anyone" }).pipe(Effect.provide(clerk()))
      const metadata = user.publicMetadata
      expect(Object.hasOwn(metadata, "__proto__")).toBe(true)
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype)
      expect(Reflect.get(metadata, "plan")).toBe("pro")
      expect(Reflect.get({}, "polluted")).toBeUndefined()
      expect(Reflect.get(Object.prototype, "polluted")).toBeUndefined()
      expect(JSON.parse(JSON.stringify(metadata))).toEqual(JSON.parse(poisonedUser).public_metadata)
    })
  )

  it.live("__proto__ keys a caller sends travel as keys", () =>
    Effect.gen(function* () {
      seen.length = 0
      const publicMetadata = JSON.parse('{"__proto__":{"role":"admin"},"plan":"pro"}') as Record<
        string,
        unknown
      >
      yield* Users.updateMetadata({ userId: "anyone", publicMetadata }).pipe(Effect.provide(clerk()))
      expect(JSON.parse(seen[0]?.body ?? "")).toEqual(
        JSON.parse('{"public_metadata":{"__proto__":{"role":"admin"},"plan":"pro"}}')
      )
      expect(seen[0]?.body).toContain('"__proto__":{"role":"admin"}')
    })
  )
})

describe("apiUrl", () => {
  const check = (url: string) =>
    Effect.gen(function* () {
      const context = yield* Layer.build(clerk({ apiUrl: url })).pipe(Effect.either)
      return context._tag === "Right" ? "accepted" : context.left._tag
    }).pipe(Effect.scoped)

  for (const url of [
    "http://api.clerk.com/v1",
    "http://127.0.0.1.example.com/v1",
    "http://localhost.example.com/v1",
    "http://10.0.0.1/v1",
    "ftp://127.0.0.1/v1",
    "not a url"
  ]) {
    it.effect(`${url} is refused`, () =>
      Effect.gen(function* () {
        expect(yield* check(url)).toBe("InvalidClientOptions")
      })
    )
  }

  for (const url of [
    "https://api.clerk.com/v1",
    "http://127.0.0.1:8080/v1",
    "http://localhost:3000/v1",
    "http://[::1]:3000/v1"
  ]) {
    it.effect(`${url} is accepted`, () =>
      Effect.gen(function* () {
        expect(yield* check(url)).toBe("accepted")
      })
    )
  }
})
