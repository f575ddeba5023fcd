/**
 * An in-memory emulator of the Clerk Backend API, for tests and demos. One
 * implementation, routed by the spec's paths, offered as an `HttpClient` (no
 * sockets) and as a real HTTP server on 127.0.0.1.
 *
 * @since 0.1.0
 */
import {
  ClerkClient,
  Models,
  OrganizationMemberships,
  Organizations,
  Sessions,
  Users
} from "@effect-clerk/backend"
import { HttpClient } from "@effect/platform"
import { Context, Data, type Duration, Effect, Either, Layer, Redacted, Schema, type Scope } from "effect"
import type { JWK } from "jose"
import { type EmulatorRequest, type EmulatorResponse, type EmulatorState, handle } from "./internal/app.js"
import { makeHttpClient } from "./internal/client.js"
import type { ClerkApiError } from "./internal/errors.js"
import { seed as seedGeneric } from "./internal/generic.js"
import { traceId } from "./internal/ids.js"
import { makeSigningKeys } from "./internal/keys.js"
import { persist, read, restore } from "./internal/persistence.js"
import { fixedWindow, validate } from "./internal/rateLimit.js"
import { sessionJson, snapshotJson } from "./internal/serialize.js"
import { close, listen } from "./internal/server.js"
import {
  acceptActorToken as acceptActor,
  type SessionState,
  setActiveOrganization as switchOrganization,
  setSessionState as setState,
  sessionToken as signSessionToken
} from "./internal/resources/sessions.js"
import { seedInstance } from "./internal/instance.js"
import { type OutboxMessage, Store } from "./internal/store.js"
import { type Delivery, newSecret, Webhooks } from "./internal/webhooks.js"

export type {
  /**
   * A request as the emulator sees it, whichever transport delivered it.
   *
   * @since 0.1.0
   * @category models
   */
  EmulatorRequest,
  /**
   * The emulator's answer to an `EmulatorRequest`.
   *
   * @since 0.1.0
   * @category models
   */
  EmulatorResponse
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** When set, requests must carry exactly this secret key; otherwise any `Bearer` token is accepted. */
  readonly secretKey?: string | undefined
  /** The `iss` claim of session tokens. Defaults to `https://clerk.emulator.local`. */
  readonly issuer?: string | undefined
  /**
   * Limits requests like Clerk limits an instance (100 per 10 seconds in development,
   * 1,000 in production): over `limit` in a fixed `window`, requests answer 429
   * `too_many_requests` with `Retry-After` in whole seconds. `GET /jwks` is never limited.
   * Unset, requests are never limited.
   */
  readonly rateLimit?:
    | {
        readonly limit: number
        readonly window: Duration.DurationInput
      }
    | undefined
  /**
   * Keeps the emulator's state in this file: an emulator made with a file that
   * exists starts from the state it holds (its users, organizations, sessions,
   * signing key, ...), and every change is written to it within a fifth of a
   * second. Unset, the state lives in memory only.
   */
  readonly stateFile?: string | undefined
}

/**
 * Options the emulator cannot work with, such as a rate limit of zero requests.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionsError extends Data.TaggedError("InvalidOptionsError")<{
  readonly message: string
}> {}

/** Options without a rate limit or a state file cannot be invalid. */
type Infallible = Options & { readonly rateLimit?: undefined; readonly stateFile?: undefined }

/**
 * A resource in its wire shape (snake_case, as the Backend API returns it).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resource {
  readonly id: string
  readonly object: string
  readonly [key: string]: unknown
}

/**
 * The main stored resources, oldest first, as the SDK decodes them (camelCase models).
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly users: ReadonlyArray<Models.User>
  readonly organizations: ReadonlyArray<Models.Organization>
  readonly organizationMemberships: ReadonlyArray<Models.OrganizationMembership>
  readonly organizationInvitations: ReadonlyArray<Models.OrganizationInvitation>
  readonly invitations: ReadonlyArray<Models.Invitation>
  readonly sessions: ReadonlyArray<Models.Session>
}

/**
 * What a seed fails with: the error of the SDK operation it calls.
 *
 * @since 0.1.0
 * @category errors
 */
export type SeedError = Effect.Effect.Error<ReturnType<typeof Users.create>>

export type {
  /**
   * An email or SMS the emulator would have sent, with its verification code.
   *
   * @since 0.1.0
   * @category models
   */
  OutboxMessage,
  /**
   * What `setSessionState` sets on a session: its pending tasks and its factors' verification age.
   *
   * @since 0.1.0
   * @category models
   */
  SessionState
}

/**
 * A webhook delivery: the event, its payload, and each attempt's status.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookDelivery extends Readonly<Delivery> {}

/**
 * A request the emulator refused, with Clerk's error body.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClerkEmulatorError extends Data.TaggedError("ClerkEmulatorError")<{
  readonly status: number
  readonly body: unknown
}> {
  override get message(): string {
    return `Clerk emulator answered ${this.status}: ${JSON.stringify(this.body)}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Emulator {
  /** The secret key the emulator's own clients send. */
  readonly secretKey: string
  readonly issuer: string
  /** The public signing key, as `GET /jwks` serves it. */
  readonly jwks: { readonly keys: ReadonlyArray<JWK> }
  /**
   * Calls an operation in process with the emulator's secret key, answering the
   * 2xx body: `request("POST", "users", { email_address: [...] })`.
   */
  readonly request: (
    method: string,
    path: string,
    body?: unknown
  ) => Effect.Effect<unknown, ClerkEmulatorError>
  /**
   * Seeds fixtures with the SDK's own operations, answered in process: the same
   * params (camelCase), rules, models and errors as `Users.create` and the rest.
   */
  readonly seedUser: (params: Users.CreateParams) => Effect.Effect<Models.User, SeedError>
  readonly seedOrganization: (
    params: Organizations.CreateParams
  ) => Effect.Effect<Models.Organization, SeedError>
  readonly seedMembership: (
    params: OrganizationMemberships.CreateParams
  ) => Effect.Effect<Models.OrganizationMembership, SeedError>
  readonly seedSession: (params: Sessions.CreateParams) => Effect.Effect<Models.Session, SeedError>
  /**
   * Makes an organization the session's active one (`null`: none), as a client
   * switching organizations would; the Backend API has no operation for it.
   * A session starts in the organization its user last created or joined.
   */
  readonly setActiveOrganization: (
    sessionId: string,
    organizationId: string | null
  ) => Effect.Effect<Models.Session, ClerkEmulatorError>
  /**
   * Signs in with an actor token (by id or token), as Clerk's ticket sign-in would outside the
   * Backend API: the token is accepted once and the new session's tokens carry its actor as `act`.
   */
  readonly acceptActorToken: (tokenOrId: string) => Effect.Effect<Models.Session, ClerkEmulatorError>
  /**
   * Sets what a client's sign-in would on a session: its pending tasks (a session with any is
   * `pending`, its tokens carry `sts: "pending"`) and the minutes since each factor was verified
   * (`fva`; -1: never). A session starts active, its first factor verified at creation.
   */
  readonly setSessionState: (
    sessionId: string,
    state: SessionState
  ) => Effect.Effect<Models.Session, ClerkEmulatorError>
  /** Signs a session token like `POST /sessions/{id}/tokens`, with an optional `azp` claim. */
  readonly sessionToken: (
    sessionId: string,
    options?: { readonly expiresInSeconds?: number; readonly azp?: string }
  ) => Effect.Effect<string, ClerkEmulatorError>
  /**
   * Stores a resource the API offers no way to create (a passkey, a trusted device, a billing
   * statement) in the collection at `path`, in its wire shape:
   * `seedResource("/users/user_123/trusted_devices", { id: "td_1" })`. Later calls answer it.
   */
  readonly seedResource: (path: string, fields: Record<string, unknown>) => Effect.Effect<Resource>
  /** The state of the main resources, oldest first, decoded as the SDK decodes them. */
  readonly snapshot: Effect.Effect<Snapshot>
  /**
   * Registers an endpoint for webhooks: every later state change with a webhook event
   * in Clerk's webhooks spec is POSTed to `url`, Svix-signed with the endpoint's
   * `whsec_` secret (made up unless given), and retried with backoff on non-2xx.
   */
  readonly addWebhookEndpoint: (
    url: string,
    options?: { readonly secret?: string }
  ) => Effect.Effect<{ readonly url: string; readonly secret: string }>
  /** The emails and SMS Clerk would have sent (verification codes from `prepare_verification`), oldest first. */
  readonly outbox: Effect.Effect<ReadonlyArray<OutboxMessage>>
  /** Every webhook delivery so far, oldest first, with its attempts. */
  readonly webhookDeliveries: Effect.Effect<ReadonlyArray<WebhookDelivery>>
  /** Answers a raw request; what both the HttpClient and the server use. */
  readonly handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ClerkEmulator extends Context.Tag("@effect-clerk/testing/ClerkEmulator")<
  ClerkEmulator,
  Emulator
>() {}

/** The emulator's own answers always decode; a failure here is a bug of the emulator. */
const decodeSnapshot = Schema.decodeUnknownSync(
  Schema.Struct({
    users: Schema.Array(Models.User),
    organizations: Schema.Array(Models.Organization),
    organizationMemberships: Schema.Array(Models.OrganizationMembership),
    organizationInvitations: Schema.Array(Models.OrganizationInvitation),
    invitations: Schema.Array(Models.Invitation),
    sessions: Schema.Array(Models.Session)
  })
)

const encoder = new TextEncoder()

const decodeSession = Schema.decodeUnknownSync(Models.Session)

const emulatorError = (error: ClerkApiError): ClerkEmulatorError =>
  new ClerkEmulatorError({ status: error.status, body: error.toBody(traceId()) })

/**
 * Creates an emulator with empty state and a fresh RS256 signing key.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make(options?: Infallible): Effect.Effect<Emulator>
export function make(options?: Options): Effect.Effect<Emulator, InvalidOptionsError>
export function make(options: Options = {}): Effect.Effect<Emulator, InvalidOptionsError> {
  return Effect.gen(function* () {
    const issuer = options.issuer ?? "https://clerk.emulator.local"
    let limiter: EmulatorState["limiter"]
    if (options.rateLimit !== undefined) {
      const valid = validate(options.rateLimit)
      if (typeof valid === "string") return yield* new InvalidOptionsError({ message: valid })
      limiter = fixedWindow(options.rateLimit.limit, valid.windowMillis)
    }
    const invalid = (message: string) => new InvalidOptionsError({ message })
    const saved =
      options.stateFile === undefined ? undefined : yield* Effect.mapError(read(options.stateFile), invalid)
    const keys = yield* Effect.mapError(makeSigningKeys(issuer, saved?.signingKey), invalid)
    const store = new Store()
    if (saved !== undefined) restore(store, saved.store)
    const secretKey = options.secretKey ?? "sk_test_emulator"
    seedInstance(store, { issuer, secretKey })
    const webhooks = new Webhooks(store.instanceId)
    const state: EmulatorState = { store, keys, secretKey: options.secretKey, limiter, webhooks }
    const persisted =
      options.stateFile === undefined
        ? undefined
        : persist(options.stateFile, store, keys.privateJwk(), "200 millis")
    // Reads change nothing worth writing; anything else may have.
    const answer = (request: EmulatorRequest) =>
      persisted === undefined || request.method.toUpperCase() === "GET"
        ? handle(state, request)
        : Effect.zipLeft(handle(state, request), persisted.changed)

    const request = (method: string, path: string, body?: unknown) =>
      answer({
        method,
        url: new URL(path, "https://api.clerk.com/v1/"),
        authorization: `Bearer ${secretKey}`,
        contentType: "application/json",
        body: encoder.encode(body === undefined ? "" : JSON.stringify(body))
      }).pipe(
        Effect.flatMap((response) => {
          const parsed: unknown = response.body === "" ? undefined : JSON.parse(response.body)
          return response.status >= 200 && response.status < 300
            ? Effect.succeed(parsed)
            : Effect.fail(new ClerkEmulatorError({ status: response.status, body: parsed }))
        })
      )
    const sdk = yield* ClerkClient.make(makeHttpClient(answer), { secretKey: Redacted.make(secretKey) }).pipe(
      Effect.mapError((error) => new InvalidOptionsError({ message: error.message }))
    )
    const seed = <A>(call: Effect.Effect<A, SeedError, ClerkClient.ClerkClient>) =>
      Effect.provideService(call, ClerkClient.ClerkClient, sdk)

    return {
      secretKey,
      issuer,
      get jwks() {
        return { keys: [keys.publicJwk()] }
      },
      request,
      seedUser: (params) => seed(Users.create(params)),
      seedOrganization: (params) => seed(Organizations.create(params)),
      seedMembership: (params) => seed(OrganizationMemberships.create(params)),
      seedSession: (params) => seed(Sessions.create(params)),
      setActiveOrganization: (sessionId, organizationId) =>
        switchOrganization(state.store, sessionId, organizationId).pipe(
          Effect.map((session) => decodeSession(sessionJson(session))),
          Effect.mapError(emulatorError)
        ),
      acceptActorToken: (tokenOrId) =>
        acceptActor(state.store, tokenOrId).pipe(
          Effect.map((session) => decodeSession(sessionJson(session))),
          Effect.mapError(emulatorError)
        ),
      setSessionState: (sessionId, sessionState) =>
        setState(state.store, sessionId, sessionState).pipe(
          Effect.map((session) => decodeSession(sessionJson(session))),
          Effect.mapError(emulatorError)
        ),
      sessionToken: (sessionId, tokenOptions = {}) =>
        signSessionToken(state.store, keys, sessionId, tokenOptions).pipe(Effect.mapError(emulatorError)),
      seedResource: (path, fields) =>
        Effect.sync(() => {
          const record = seedGeneric(state.store, `/${path.replace(/^\/+|\/+$/g, "")}`, fields)
          return { ...record, id: String(record.id), object: String(record.object ?? "") }
        }).pipe(Effect.tap(() => (persisted === undefined ? Effect.void : persisted.changed))),
      snapshot: Effect.sync(() => decodeSnapshot(snapshotJson(state.store))),
      addWebhookEndpoint: (url, endpointOptions = {}) =>
        Effect.sync(() => {
          const endpoint = { url, secret: endpointOptions.secret ?? newSecret() }
          webhooks.endpoints.push(endpoint)
          return endpoint
        }),
      outbox: Effect.sync(() => [...state.store.outbox]),
      webhookDeliveries: Effect.sync(() =>
        webhooks.deliveries.map((delivery) => ({ ...delivery, attempts: [...delivery.attempts] }))
      ),
      handle: answer
    }
  })
}

/**
 * An `HttpClient` answered by the given emulator, in process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpClient = (emulator: Emulator): HttpClient.HttpClient => makeHttpClient(emulator.handle)

/**
 * Provides `HttpClient` from the `ClerkEmulator` in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, ClerkEmulator> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(ClerkEmulator, httpClient)
)

/**
 * A fresh emulator and an `HttpClient` answered by it.
 *
 * @since 0.1.0
 * @category layers
 */
export function layerWith(options: Infallible): Layer.Layer<ClerkEmulator | HttpClient.HttpClient>
export function layerWith(
  options: Options
): Layer.Layer<ClerkEmulator | HttpClient.HttpClient, InvalidOptionsError>
export function layerWith(
  options: Options
): Layer.Layer<ClerkEmulator | HttpClient.HttpClient, InvalidOptionsError> {
  return layerHttpClient.pipe(Layer.provideMerge(Layer.effect(ClerkEmulator, make(options))))
}

/**
 * A fresh emulator accepting any secret key, and an `HttpClient` answered by it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ClerkEmulator | HttpClient.HttpClient> = layerWith({})

/**
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number | undefined
  readonly hostname?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ServerAddress {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `url` with the API's `/v1` base path: what the SDK's `apiUrl` takes. */
  readonly apiUrl: string
  readonly port: number
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ServeError extends Data.TaggedError("ServeError")<{ readonly cause: unknown }> {
  override get message(): string {
    return `the emulator could not listen: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

const address = (hostname: string, port: number): ServerAddress => {
  const url = `http://${hostname}:${port}`
  return { url, apiUrl: `${url}/v1`, port }
}

/**
 * Serves the `ClerkEmulator` in context over HTTP for the lifetime of the scope.
 *
 * @since 0.1.0
 * @category servers
 */
export const serve = (
  options: ServeOptions = {}
): Effect.Effect<ServerAddress, ServeError, ClerkEmulator | Scope.Scope> =>
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator
    const hostname = options.hostname ?? "127.0.0.1"
    const listening = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => listen(emulator.handle, options.port ?? 0, hostname),
        catch: (cause) => new ServeError({ cause })
      }),
      ({ server }) => Effect.promise(() => close(server))
    )
    return address(hostname, listening.port)
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface RunningServer extends ServerAddress {
  readonly emulator: Emulator
  readonly close: () => Promise<void>
}

/**
 * Starts a fresh emulator behind an HTTP server, for code that does not use Effect.
 *
 * @since 0.1.0
 * @category servers
 */
export const startServer = async (options: Options & ServeOptions = {}): Promise<RunningServer> => {
  // Rejects with the InvalidOptionsError itself rather than Effect's wrapper around it.
  const made = await Effect.runPromise(Effect.either(make(options)))
  if (Either.isLeft(made)) throw made.left
  const emulator = made.right
  const hostname = options.hostname ?? "127.0.0.1"
  const { server, port } = await listen(emulator.handle, options.port ?? 0, hostname)
  return { ...address(hostname, port), emulator, close: () => close(server) }
}
