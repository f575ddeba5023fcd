/**
 * A fake `HttpClient` for unit tests of the runtime core: it records every request
 * the SDK sends and answers each one from a script, so a test can check both the
 * wire format and how the answer is decoded without a network.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClerkClient } from "../src/index.js"
import * as RetryPolicy from "../src/RetryPolicy.js"

export const secretKey = "sk_test_fakeSecretValue0123456789"
export const apiUrl = "https://api.clerk.test/v1"

/**
 * Unit tests look at one exchange at a time: every failure surfaces at once
 * instead of being retried after real waits.
 */
export const noRetry: Layer.Layer<never> = RetryPolicy.layerService(RetryPolicy.disabled)

export interface Answer {
  readonly status?: number
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: HttpClientRequest.HttpClientRequest["body"]
}

export interface Fake {
  readonly requests: ReadonlyArray<Recorded>
  /** The fake as the `HttpClient` service. */
  readonly httpClient: Layer.Layer<HttpClient.HttpClient>
  /** `ClerkClient.layer` over the fake, with the test secret and API URL, and no retries. */
  readonly layer: Layer.Layer<ClerkClient.ClerkClient, ClerkClient.InvalidClientOptions>
}

const toResponse = (request: HttpClientRequest.HttpClientRequest, answer: Answer) => {
  const json = typeof answer.body !== "string"
  const body = answer.body === undefined ? null : json ? JSON.stringify(answer.body) : (answer.body as string)
  const headers = new Headers(answer.headers)
  if (json && !headers.has("content-type")) headers.set("content-type", "application/json")
  return HttpClientResponse.fromWeb(request, new Response(body, { status: answer.status ?? 200, headers }))
}

/**
 * `answers` are used in order, one per request; a function answers every request.
 * A request beyond the script answers 599 so the test fails loudly.
 */
export const make = (answers: ReadonlyArray<Answer> | ((request: Recorded) => Answer) = []): Fake => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const recorded: Recorded = { method: request.method, url, headers: request.headers, body: request.body }
      requests.push(recorded)
      const answer =
        typeof answers === "function"
          ? answers(recorded)
          : (answers[requests.length - 1] ?? { status: 599, body: "unscripted request" })
      return toResponse(request, answer)
    })
  )
  return {
    requests,
    httpClient: Layer.succeed(HttpClient.HttpClient, client),
    layer: Layer.merge(layerOver(client), noRetry)
  }
}

/** `ClerkClient.layer` with the test secret and API URL over any `HttpClient`. */
export const layerOver = (
  client: HttpClient.HttpClient
): Layer.Layer<ClerkClient.ClerkClient, ClerkClient.InvalidClientOptions> =>
  ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )

/** The request body as text; fails the test when it is not a byte body. */
export const bodyText = (recorded: Recorded): string => {
  if (recorded.body._tag !== "Uint8Array") throw new Error(`expected a byte body, got ${recorded.body._tag}`)
  return new TextDecoder().decode(recorded.body.body)
}

/** The multipart body as a server would parse it, from the bytes and content type sent. */
export const formData = (recorded: Recorded): Promise<FormData> => {
  const body = recorded.body
  if (body._tag !== "Uint8Array") throw new Error(`expected a serialised multipart body, got ${body._tag}`)
  const contentType = recorded.headers["content-type"] ?? body.contentType
  if (!contentType.startsWith("multipart/form-data; boundary="))
    throw new Error(`not multipart: ${contentType}`)
  return new Request(recorded.url, {
    method: recorded.method,
    body: new Blob([body.body.slice()]),
    headers: { "content-type": contentType }
  }).formData()
}

/** Clerk's error body. */
export const clerkError = (code: string, extra: Record<string, unknown> = {}) => ({
  errors: [{ code, message: `${code} happened`, long_message: `A longer account of ${code}.`, meta: {} }],
  ...extra
})

/** A user as the Backend API returns it (wire shape), with `overrides` merged in. */
export const user = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa",
  object: "user",
  external_id: null,
  primary_email_address_id: "idn_2hT9sNq1XwV5bJ8cK3mLpR6tYzE",
  primary_phone_number_id: null,
  primary_web3_wallet_id: null,
  username: "ada",
  first_name: "Ada",
  last_name: "Lovelace",
  image_url: "https://img.clerk.test/ada.png",
  has_image: false,
  public_metadata: {},
  private_metadata: {},
  unsafe_metadata: {},
  email_addresses: [
    {
      id: "idn_2hT9sNq1XwV5bJ8cK3mLpR6tYzE",
      object: "email_address",
      email_address: "ada@example.com",
      reserved: false,
      verification: {
        object: "verification_admin",
        status: "verified",
        strategy: "admin",
        attempts: null,
        expire_at: null
      },
      linked_to: [],
      created_at: 1717171717000,
      updated_at: 1717171717000
    }
  ],
  phone_numbers: [],
  web3_wallets: [],
  passkeys: [],
  password_enabled: false,
  two_factor_enabled: false,
  totp_enabled: false,
  backup_code_enabled: false,
  mfa_enabled_at: null,
  mfa_disabled_at: null,
  external_accounts: [],
  saml_accounts: [],
  enterprise_accounts: [],
  last_sign_in_at: null,
  banned: false,
  locked: false,
  lockout_expires_in_seconds: null,
  verification_attempts_remaining: 100,
  created_at: 1717171717000,
  updated_at: 1717171717000,
  delete_self_enabled: true,
  create_organization_enabled: true,
  last_active_at: null,
  legal_accepted_at: null,
  ...overrides
})

/** An organization as the Backend API returns it (wire shape), with `overrides` merged in. */
export const organization = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  object: "organization",
  id: "org_2hTA1bC4dE7fG0hJ3kL6mN9pQ2r",
  name: "Analytical Engines",
  slug: "analytical-engines",
  image_url: "https://img.clerk.test/org.png",
  has_image: false,
  max_allowed_memberships: 5,
  admin_delete_enabled: true,
  public_metadata: {},
  private_metadata: {},
  created_at: 1717171717000,
  updated_at: 1717171717000,
  ...overrides
})
