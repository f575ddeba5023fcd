import { readFileSync } from "node:fs"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { ClerkClient, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const packageVersion: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8")
).version

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

describe("ClerkClient headers", () => {
  it.effect("sends the bearer secret, API version, user agent and JSON accept", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.get({ userId })
      expect(fake.requests).toHaveLength(1)
      const headers = fake.requests[0]!.headers
      expect(headers.authorization).toBe(`Bearer ${FakeClerk.secretKey}`)
      expect(headers["clerk-api-version"]).toBe("2026-05-12")
      expect(headers["user-agent"]).toBe(`@effect-clerk/backend/${packageVersion}`)
      expect(headers.accept).toBe("application/json")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("sends no trace propagation headers, even inside a span", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Effect.gen(function* () {
      yield* Users.get({ userId }).pipe(Effect.withSpan("caller"))
      const names = Object.keys(fake.requests[0]!.headers)
      expect(names).not.toContain("traceparent")
      expect(names).not.toContain("b3")
      expect(names.filter((name) => name.startsWith("x-b3-"))).toEqual([])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("(control) the bare fake client does see propagation headers inside a span", () => {
    const fake = FakeClerk.make([{ body: {} }])
    return Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      yield* client.get("https://api.clerk.test/v1/jwks").pipe(Effect.scoped, Effect.withSpan("caller"))
      expect(Object.keys(fake.requests[0]!.headers)).toContain("traceparent")
    }).pipe(Effect.provide(fake.httpClient))
  })
})

describe("ClerkClient base URL", () => {
  const requestUrl = (apiUrl: string) => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    const layer = ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl }).pipe(
      Layer.provide(fake.httpClient)
    )
    return Users.get({ userId }).pipe(
      Effect.provide(layer),
      Effect.map(() => fake.requests[0]!.url.href)
    )
  }

  it.effect("joins the API URL and the operation path with one slash", () =>
    Effect.gen(function* () {
      expect(yield* requestUrl("https://api.clerk.test/v1")).toBe(`https://api.clerk.test/v1/users/${userId}`)
      expect(yield* requestUrl("https://api.clerk.test/v1/")).toBe(
        `https://api.clerk.test/v1/users/${userId}`
      )
    })
  )

  it.effect("accepts plain http on loopback hosts", () =>
    Effect.gen(function* () {
      expect(yield* requestUrl("http://127.0.0.1:4010/v1")).toBe(`http://127.0.0.1:4010/v1/users/${userId}`)
      expect(yield* requestUrl("http://localhost:4010/v1")).toBe(`http://localhost:4010/v1/users/${userId}`)
    })
  )

  it.effect("layerConfig reads CLERK_SECRET_KEY and CLERK_API_URL", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    const config = ConfigProvider.fromMap(
      new Map([
        ["CLERK_SECRET_KEY", "sk_test_fromConfig"],
        ["CLERK_API_URL", "https://config.clerk.test/v1/"]
      ])
    )
    return Effect.gen(function* () {
      yield* Users.get({ userId })
      const request = fake.requests[0]!
      expect(request.url.href).toBe(`https://config.clerk.test/v1/users/${userId}`)
      expect(request.headers.authorization).toBe("Bearer sk_test_fromConfig")
    }).pipe(
      Effect.provide(ClerkClient.layerConfig.pipe(Layer.provide(fake.httpClient))),
      Effect.withConfigProvider(config)
    )
  })

  it.effect("layerConfig defaults the API URL to Clerk's", () => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    const config = ConfigProvider.fromMap(new Map([["CLERK_SECRET_KEY", "sk_test_fromConfig"]]))
    return Effect.gen(function* () {
      yield* Users.get({ userId })
      expect(fake.requests[0]!.url.href).toBe(`https://api.clerk.com/v1/users/${userId}`)
    }).pipe(
      Effect.provide(ClerkClient.layerConfig.pipe(Layer.provide(fake.httpClient))),
      Effect.withConfigProvider(config)
    )
  })

  it.effect("layerConfig without CLERK_SECRET_KEY fails with a ConfigError", () => {
    const fake = FakeClerk.make()
    return Effect.gen(function* () {
      const error = yield* Effect.flip(
        Users.get({ userId }).pipe(
          Effect.provide(ClerkClient.layerConfig.pipe(Layer.provide(fake.httpClient)))
        )
      )
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain("CLERK_SECRET_KEY")
      expect(fake.requests).toHaveLength(0)
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
  })
})

describe("ClerkClient options", () => {
  const build = (options: ClerkClient.Options) => {
    const fake = FakeClerk.make([{ body: FakeClerk.user() }])
    return Users.get({ userId }).pipe(
      Effect.provide(ClerkClient.layer(options).pipe(Layer.provide(fake.httpClient))),
      Effect.flip,
      Effect.map((error) => ({ error, requests: fake.requests.length }))
    )
  }

  it.effect("an empty secret key is InvalidClientOptions", () =>
    Effect.gen(function* () {
      for (const secret of ["", "   "]) {
        const { error, requests } = yield* build({ secretKey: Redacted.make(secret) })
        expect(error._tag).toBe("InvalidClientOptions")
        expect(requests).toBe(0)
      }
    })
  )

  it.effect(
    "a secret key with CR/LF or spaces is InvalidClientOptions, and the message does not echo it",
    () =>
      Effect.gen(function* () {
        for (const secret of ["sk_test_abc\r\nx-injected: 1", "sk_test_abc def", "sk_test_abc\n"]) {
          const { error, requests } = yield* build({ secretKey: Redacted.make(secret) })
          expect(error._tag).toBe("InvalidClientOptions")
          expect(error.message).not.toContain("sk_test_abc")
          expect(requests).toBe(0)
        }
      })
  )

  it.effect("plain http to a non-loopback host is InvalidClientOptions", () =>
    Effect.gen(function* () {
      for (const apiUrl of [
        "http://api.clerk.com/v1",
        "http://10.0.0.5/v1",
        "http://127.0.0.1.evil.test/v1"
      ]) {
        const { error, requests } = yield* build({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl })
        expect(error._tag).toBe("InvalidClientOptions")
        expect(error.message).toContain("https")
        expect(error.message).not.toContain(FakeClerk.secretKey)
        expect(requests).toBe(0)
      }
    })
  )

  it.effect("an API URL that is not a URL is InvalidClientOptions", () =>
    Effect.gen(function* () {
      const { error } = yield* build({
        secretKey: Redacted.make(FakeClerk.secretKey),
        apiUrl: "api.clerk.com/v1"
      })
      expect(error._tag).toBe("InvalidClientOptions")
    })
  )
})

describe("secret redaction", () => {
  /** One failing call per error kind the SDK produces, each answered by its own fake. */
  const failures = [
    { name: "ClerkNotFound", answer: { status: 404, body: FakeClerk.clerkError("resource_not_found") } },
    {
      name: "ClerkUnauthorized",
      answer: { status: 401, body: FakeClerk.clerkError("authentication_invalid") }
    },
    { name: "SDKError", answer: { status: 502, body: "<html>bad gateway</html>" } },
    { name: "ResponseValidationError", answer: { status: 200, body: { object: "user" } } }
  ] as const

  const transportFailure = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("ECONNRESET") })
      )
    )
  )
  const secretLayer = (httpClient: Layer.Layer<HttpClient.HttpClient>) =>
    ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl: FakeClerk.apiUrl }).pipe(
      Layer.provide(httpClient),
      Layer.merge(FakeClerk.noRetry)
    )

  /** Every error kind, including one whose `request` carries the Authorization header. */
  const allErrors = Effect.gen(function* () {
    const errors: Array<unknown> = []
    for (const { answer } of failures) {
      errors.push(
        yield* Effect.flip(Users.get({ userId }).pipe(Effect.provide(FakeClerk.make([answer]).layer)))
      )
    }
    errors.push(yield* Effect.flip(Users.get({ userId }).pipe(Effect.provide(secretLayer(transportFailure)))))
    errors.push(yield* Effect.flip(Users.list({ limit: 501 }).pipe(Effect.provide(FakeClerk.make().layer))))
    errors.push(
      yield* Effect.flip(
        Users.get({ userId }).pipe(
          Effect.provide(
            ClerkClient.layer({
              secretKey: Redacted.make(FakeClerk.secretKey),
              apiUrl: "http://clerk.test"
            }).pipe(Layer.provide(FakeClerk.make().httpClient))
          )
        )
      )
    )
    return errors
  })

  const texts = (error: unknown) => [
    (error as Error).message,
    String(error),
    JSON.stringify(error),
    Cause.pretty(Cause.fail(error))
  ]

  it.effect("no error's message, string form or JSON form contains the secret", () =>
    Effect.gen(function* () {
      const errors = yield* allErrors
      expect(errors.map((error) => (error as { _tag: string })._tag)).toEqual([
        "ClerkNotFound",
        "ClerkUnauthorized",
        "SDKError",
        "ResponseValidationError",
        "RequestError",
        "RequestValidationError",
        "InvalidClientOptions"
      ])
      // The RequestError of a transport failure carries the request it could not send.
      const transport = errors[4] as HttpClientError.RequestError
      expect(transport.request.url).toBe(`${FakeClerk.apiUrl}/users/${userId}`)
      for (const error of errors) {
        for (const text of texts(error)) expect(text).not.toContain(FakeClerk.secretKey)
      }
    })
  )

  it.effect("no log line contains the secret, at every level, including logged errors", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.map(Logger.logfmtLogger, (line) => {
        lines.push(line)
      })
      yield* Effect.gen(function* () {
        yield* Users.get({ userId }).pipe(Effect.provide(FakeClerk.make([{ body: FakeClerk.user() }]).layer))
        for (const error of yield* allErrors) {
          yield* Effect.logError("clerk call failed", Cause.fail(error))
          yield* Effect.logDebug(error)
        }
      }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Effect.provide(Logger.minimumLogLevel(LogLevel.All))
      )
      // The capture works: the logged errors are there, with their details.
      expect(lines.length).toBeGreaterThanOrEqual(14)
      expect(lines.join("\n")).toContain("resource_not_found")
      for (const line of lines) expect(line).not.toContain(FakeClerk.secretKey)
    })
  )

  it.effect("no span attribute contains the secret", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const native = yield* Effect.tracer
      const recording = Tracer.make({
        context: native.context,
        span: (...args) => {
          const span = native.span(...args)
          spans.push(span)
          return span
        }
      })
      yield* Effect.either(allErrors).pipe(Effect.withTracer(recording))
      const attributes = spans.flatMap((span) => [...span.attributes.entries()])
      expect(attributes).toContainEqual(["clerk.operation_id", "GetUser"])
      for (const [key, value] of attributes)
        expect(`${key}=${String(value)}`).not.toContain(FakeClerk.secretKey)
      expect(spans.map((span) => span.name)).toContain("Clerk.GetUser")
    })
  )
})
