import { HttpClient, HttpClientRequest, type HttpMethod } from "@effect/platform"
import { ClerkEmulator } from "@effect-clerk/testing"
import { Context, Effect, Layer } from "effect"
import type { JWK } from "jose"

export interface Reply {
  readonly status: number
  readonly body: unknown
}

export interface CallOptions {
  readonly body?: unknown
  /** Query parameters; arrays are sent as repeated keys. */
  readonly query?: Record<string, string | number | boolean | ReadonlyArray<string>>
  /** `null` sends no Authorization header. */
  readonly secretKey?: string | null
  /** Send the path without the `/v1` base path. */
  readonly bare?: boolean
}

/** One way of reaching the emulator; the scenarios run against each. */
export interface Api {
  readonly call: (method: HttpMethod.HttpMethod, path: string, options?: CallOptions) => Effect.Effect<Reply>
  readonly emulator: ClerkEmulator.Emulator
}

export class ApiTag extends Context.Tag("test/Api")<ApiTag, Api>() {}

const searchParams = (query: CallOptions["query"] = {}): URLSearchParams => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const v of value) params.append(key, v)
    else params.append(key, String(value))
  }
  return params
}

const target = (base: string, path: string, options: CallOptions): string => {
  const qs = searchParams(options.query).toString()
  return `${base}${options.bare ? "" : "/v1"}${path}${qs ? `?${qs}` : ""}`
}

const authorization = (options: CallOptions): Record<string, string> =>
  options.secretKey === null ? {} : { authorization: `Bearer ${options.secretKey ?? "sk_test_scenarios"}` }

/** Through `ClerkEmulator.layer`: an in-process HttpClient. */
export const viaHttpClient: Layer.Layer<ApiTag> = Layer.effect(
  ApiTag,
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const call = (method: HttpMethod.HttpMethod, path: string, options: CallOptions = {}) => {
      const base = HttpClientRequest.make(method)(target("https://api.clerk.com", path, options)).pipe(
        HttpClientRequest.setHeaders(authorization(options))
      )
      const request = options.body === undefined ? base : HttpClientRequest.bodyUnsafeJson(base, options.body)
      return client.execute(request).pipe(
        Effect.flatMap((response) =>
          Effect.map(response.json, (body): Reply => ({ status: response.status, body }))
        ),
        Effect.orDie
      )
    }
    return { call, emulator }
  })
).pipe(Layer.provide(ClerkEmulator.layer))

/** Through `ClerkEmulator.serve`: fetch against a real HTTP server on 127.0.0.1. */
export const viaServer: Layer.Layer<ApiTag> = Layer.scoped(
  ApiTag,
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const { url } = yield* Effect.orDie(ClerkEmulator.serve())
    const call = (method: HttpMethod.HttpMethod, path: string, options: CallOptions = {}) =>
      Effect.promise(async (): Promise<Reply> => {
        const response = await fetch(target(url, path, options), {
          method,
          headers: { ...authorization(options), "content-type": "application/json" },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
        })
        return { status: response.status, body: await response.json() }
      })
    return { call, emulator }
  })
).pipe(Layer.provide(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make())))

export const call = (method: HttpMethod.HttpMethod, path: string, options?: CallOptions) =>
  Effect.flatMap(ApiTag, (api) => api.call(method, path, options))

/** Calls and expects a 200, answering the body. */
export const ok = (method: HttpMethod.HttpMethod, path: string, options?: CallOptions) =>
  Effect.flatMap(call(method, path, options), (reply) =>
    reply.status === 200
      ? Effect.succeed(reply.body)
      : Effect.dieMessage(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  )

/** Reads a nested value of a JSON body: `at(user, "email_addresses", 0, "id")`. */
export const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = Reflect.get(current, key)
  }
  return current
}

export const str = (value: unknown, ...path: ReadonlyArray<string | number>): string => {
  const found = at(value, ...path)
  if (typeof found !== "string")
    throw new Error(`expected a string at ${path.join(".")}, got ${JSON.stringify(found)}`)
  return found
}

export const list = (value: unknown, ...path: ReadonlyArray<string | number>): ReadonlyArray<unknown> => {
  const found = at(value, ...path)
  if (!Array.isArray(found))
    throw new Error(`expected an array at ${path.join(".")}, got ${JSON.stringify(found)}`)
  return found
}

export const ids = (value: unknown, ...path: ReadonlyArray<string | number>): ReadonlyArray<string> =>
  list(value, ...path).map((item) => str(item, "id"))

export const createUser = (body: Record<string, unknown>) => ok("POST", "/users", { body })

/** Clerk's ids: a prefix and 27 base62 characters. */
export const idPattern = (prefix: string) => new RegExp(`^${prefix}_[0-9A-Za-z]{27}$`)

export const isJwk = (u: unknown): u is JWK => typeof u === "object" && u !== null && "kty" in u
