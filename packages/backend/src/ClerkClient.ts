/**
 * The configured connection to Clerk's Backend API that every operation uses.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type Scrub, scrubbing, withoutSecret } from "./internal/scrub.js"
import { version } from "./internal/version.js"

/**
 * The API version this SDK is generated from; sent as `Clerk-API-Version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const apiVersion = "2026-05-12"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultApiUrl = "https://api.clerk.com/v1"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The instance's secret key (`sk_live_…` / `sk_test_…`). */
  readonly secretKey: Redacted.Redacted<string>
  /** Defaults to `https://api.clerk.com/v1`. Plain `http` is accepted for loopback hosts only. */
  readonly apiUrl?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Sends requests whose URL is relative to the API root, with Clerk's headers set. */
  readonly httpClient: HttpClient.HttpClient
  /** Takes the secret key out of text a server sent, before any error keeps it. */
  readonly scrub: Scrub
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ClerkClient extends Context.Tag("@effect-clerk/backend/ClerkClient")<ClerkClient, Service>() {}

/**
 * The configuration is wrong before any request is made: an empty secret key, or
 * an API URL that would send the secret in clear text.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidClientOptions extends Data.TaggedError("InvalidClientOptions")<{
  readonly message: string
}> {}

/** A key with CR/LF could inject headers; one with spaces is a copy-paste accident. */
const isHeaderToken = (secret: string) => /^[\x21-\x7e]+$/.test(secret)

const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname)

const checkApiUrl = (apiUrl: string): Effect.Effect<string, InvalidClientOptions> => {
  if (!URL.canParse(apiUrl))
    return Effect.fail(new InvalidClientOptions({ message: `apiUrl is not a URL: ${apiUrl}` }))
  const url = new URL(apiUrl)
  const secure = url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname))
  return secure
    ? Effect.succeed(url.href.replace(/\/$/, ""))
    : Effect.fail(
        new InvalidClientOptions({
          message: `apiUrl must use https (plain http only on loopback): ${url.origin}`
        })
      )
}

/**
 * Clerk's API never redirects, and a redirect followed by `fetch` turns a write
 * into a GET to another host whose answer would pass for the call's result. The
 * fetch transport follows redirects unless told otherwise, so every request says
 * `redirect: "manual"` (keeping the caller's other fetch options); the undici
 * transports never follow them. The 3xx then surfaces as an `SDKError`.
 */
const neverFollowRedirects = (httpClient: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(httpClient, (effect) =>
    Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
      Effect.provideService(effect, FetchHttpClient.RequestInit, {
        ...Option.getOrElse(init, () => ({})),
        redirect: "manual"
      })
    )
  )

/**
 * Wraps an `HttpClient` with Clerk's base URL and headers. Trace propagation
 * headers are never sent to Clerk; the secret leaves its `Redacted` only for the
 * authorization header, a name `@effect/platform` redacts from spans and logs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  httpClient: HttpClient.HttpClient,
  options: Options
): Effect.Effect<Service, InvalidClientOptions> =>
  !isHeaderToken(Redacted.value(options.secretKey))
    ? Effect.fail(
        new InvalidClientOptions({
          message: "secretKey must be a non-empty key without spaces or control characters"
        })
      )
    : Effect.map(checkApiUrl(options.apiUrl ?? defaultApiUrl), (apiUrl) => {
        // One set of headers for every request: a header per call each copied the request's headers.
        const clerkHeaders = {
          authorization: `Bearer ${Redacted.value(options.secretKey)}`,
          "clerk-api-version": apiVersion,
          "user-agent": `@effect-clerk/backend/${version}`,
          accept: "application/json"
        }
        const withClerkHeaders = HttpClient.mapRequest(neverFollowRedirects(httpClient), (request) =>
          HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, apiUrl), clerkHeaders)
        )
        return {
          scrub: scrubbing(Redacted.value(options.secretKey)),
          // The platform's own HTTP span is turned off, and with it the trace headers it
          // would send: it records the full URL and query, which carry user ids and
          // emails, while the operation's span already describes the request. Errors of
          // the transport or of the caller's middleware leave without the bearer token.
          httpClient: HttpClient.withTracerDisabledWhen(withClerkHeaders, () => true).pipe(
            HttpClient.transformResponse(Effect.mapError(withoutSecret))
          )
        }
      })

/**
 * The same client authenticated with another secret key, such as a machine's
 * (Clerk verifies M2M tokens for the machine holding the key). Only that key is
 * sent, so it is the one scrubbed from what servers answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const withSecretKey = (client: Service, secretKey: Redacted.Redacted<string>): Service => ({
  httpClient: HttpClient.mapRequest(
    client.httpClient,
    HttpClientRequest.setHeader("authorization", `Bearer ${Redacted.value(secretKey)}`)
  ),
  scrub: scrubbing(Redacted.value(secretKey))
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<ClerkClient, InvalidClientOptions, HttpClient.HttpClient> =>
  Layer.effect(
    ClerkClient,
    Effect.flatMap(HttpClient.HttpClient, (httpClient) => make(httpClient, options))
  )

/**
 * Reads `CLERK_SECRET_KEY` (as a `Redacted`) and `CLERK_API_URL` (optional).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<
  ClerkClient,
  InvalidClientOptions | ConfigError.ConfigError,
  HttpClient.HttpClient
> = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      secretKey: Config.redacted("CLERK_SECRET_KEY"),
      apiUrl: Config.withDefault(Config.string("CLERK_API_URL"), defaultApiUrl)
    }),
    layer
  )
)
