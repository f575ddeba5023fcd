import { Cause, Effect } from "effect"
import type { Handler } from "./context.js"
import {
  authorizationHeaderInvalid,
  ClerkApiError,
  malformedRequest,
  notFound,
  secretKeyInvalid,
  tooManyRequests
} from "./errors.js"
import { handlers as clients } from "./clients.js"
import { eventsOf } from "./events.js"
import { handlers as identifications } from "./identifications.js"
import { traceId } from "./ids.js"
import { handlers as invitations } from "./invitations.js"
import { generic, isMachineSecretKey } from "./generic.js"
import type { SigningKeys } from "./keys.js"
import { handlers as memberships } from "./memberships.js"
import { handlers as organizationInvitations } from "./organizationInvitations.js"
import { handlers as organizations } from "./organizations.js"
import { handlers as jwtTemplates } from "./jwtTemplates.js"
import { handlers as roles } from "./roles.js"
import type { Limiter } from "./rateLimit.js"
import { handlers as restrictions } from "./restrictions.js"
import { matchRoute } from "./router.js"
import type { Webhooks } from "./webhooks.js"
import { isRecord, type OperationSpec, propertiesOf } from "./shape.js"
import { handlers as sessions } from "./sessions.js"
import type { Store } from "./store.js"
import { handlers as testingTokens } from "./testingTokens.js"
import { handlers as users } from "./users.js"

/** One request, whichever transport (in-process HttpClient or HTTP server) delivered it. */
export interface EmulatorRequest {
  readonly method: string
  readonly url: URL
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  /** Raw bytes: multipart uploads are binary, so the body is decoded only once its type is known. */
  readonly body: Uint8Array
}

export interface EmulatorResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

export interface EmulatorState {
  readonly store: Store
  readonly keys: SigningKeys
  /** When set, only this secret key is accepted; otherwise any bearer token is. */
  readonly secretKey: string | undefined
  /** When set, requests over the limit answer 429. */
  readonly limiter: Limiter | undefined
  readonly webhooks: Webhooks
}

const handlers: Record<string, Handler> = {
  ...users,
  ...identifications,
  ...organizations,
  ...memberships,
  ...organizationInvitations,
  ...invitations,
  ...sessions,
  ...restrictions,
  ...roles,
  ...jwtTemplates,
  ...testingTokens,
  ...clients
}

// Clerk serves the API under `/v1`; requests without it are accepted too.
const stripBasePath = (pathname: string): string =>
  /^\/v1(\/|$)/.test(pathname) ? pathname.slice(3) || "/" : pathname

const publicOperations = new Set(["GetPublicInterstitial"])

// Clerk documents no rate limit on the JWKS; public operations carry no key that names an instance.
const unlimitedOperations = new Set(["GetJWKS", ...publicOperations])

const rateLimited = (
  limiter: Limiter | undefined,
  operationId: string
): Effect.Effect<void, ClerkApiError> =>
  limiter === undefined || unlimitedOperations.has(operationId)
    ? Effect.void
    : Effect.flatMap(limiter, (retryAfter) =>
        retryAfter === undefined ? Effect.void : Effect.fail(tooManyRequests(retryAfter))
      )

const bearerOf = (authorization: string | undefined): string | undefined =>
  /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1]

/** Operations on M2M tokens, which a machine calls with its own secret key as well as the instance's. */
const machineOperations = new Set(["getM2MTokens", "createM2MToken", "revokeM2MToken", "verifyM2MToken"])

const authenticate = (state: EmulatorState, operationId: string, authorization: string | undefined): void => {
  const token = bearerOf(authorization)
  if (token === undefined) throw authorizationHeaderInvalid()
  if (state.secretKey === undefined || token === state.secretKey) return
  if (machineOperations.has(operationId) && isMachineSecretKey(state.store, token)) return
  throw secretKeyInvalid()
}

const decoder = new TextDecoder()

const parseJson = (bytes: Uint8Array): unknown => {
  const text = decoder.decode(bytes)
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw malformedRequest("The request body is not valid JSON.")
  }
}

const isMultipart = (contentType: string | undefined): contentType is string =>
  /^multipart\/form-data\s*(;|$)/i.test(contentType ?? "")

/**
 * A multipart body becomes an object of its fields (strings, and `File`s for uploads),
 * parsed by the platform's own `Request`, so handlers read it like a JSON body.
 */
const parseMultipart = (contentType: string, bytes: Uint8Array): Effect.Effect<unknown, ClerkApiError> =>
  Effect.tryPromise({
    try: () =>
      new Request("http://clerk.emulator.local", {
        method: "POST",
        headers: { "content-type": contentType },
        // A copy: Request takes only ArrayBuffer-backed views, not any ArrayBufferLike.
        body: bytes.slice()
      }).formData(),
    catch: (cause) => malformedRequest(`The request body is not valid multipart/form-data: ${String(cause)}`)
  }).pipe(Effect.map((form) => Object.fromEntries(form)))

/** JSON is parsed (and may throw) on the spot; multipart parsing is asynchronous. */
const parseBody = (request: EmulatorRequest): Effect.Effect<unknown, ClerkApiError> =>
  isMultipart(request.contentType)
    ? parseMultipart(request.contentType, request.body)
    : Effect.succeed(parseJson(request.body))

const json = (
  status: number,
  body: unknown,
  clerkTraceId: string,
  headers: Record<string, string> = {}
): EmulatorResponse => ({
  status,
  headers: { ...headers, "content-type": "application/json", "x-clerk-trace-id": clerkTraceId },
  body: JSON.stringify(body)
})

/** Clerk refuses a body key its operation does not take with 422 `form_param_unknown`. */
const unknownParam = (spec: OperationSpec, body: unknown): ClerkApiError | undefined => {
  const known = spec.body && propertiesOf(spec.body)
  if (known === undefined || Object.keys(known).length === 0 || !isRecord(body)) return undefined
  const unknown = Object.keys(body).find((key) => known[key] === undefined)
  return unknown === undefined
    ? undefined
    : new ClerkApiError(
        422,
        "form_param_unknown",
        "is unknown",
        `${unknown} is not a valid parameter for this request.`,
        { param_name: unknown }
      )
}

const route = (
  state: EmulatorState,
  request: EmulatorRequest
): Effect.Effect<
  { readonly status: number; readonly body: unknown; readonly operationId: string },
  ClerkApiError
> =>
  Effect.suspend(() => {
    try {
      const method = request.method.toUpperCase()
      const match = matchRoute(method, stripBasePath(request.url.pathname))
      if (match === undefined) throw notFound(`${method} ${request.url.pathname}`)
      const { operationId } = match.route
      if (!publicOperations.has(operationId)) authenticate(state, operationId, request.authorization)
      const handler = handlers[operationId] ?? generic(match.route.spec)
      return Effect.zipRight(
        rateLimited(state.limiter, operationId),
        Effect.flatMap(parseBody(request), (body) => {
          const unknown = unknownParam(match.route.spec, body)
          if (unknown !== undefined) return Effect.fail(unknown)
          return handler({
            store: state.store,
            keys: state.keys,
            params: match.params,
            query: request.url.searchParams,
            body,
            bearer: bearerOf(request.authorization)
          })
        })
      ).pipe(Effect.map((body) => ({ status: match.route.spec.status, body, operationId })))
    } catch (error) {
      return error instanceof ClerkApiError ? Effect.fail(error) : Effect.die(error)
    }
  })

/** Answers a request like Clerk would: a JSON body, Clerk's error shape on failure. */
export const handle = (state: EmulatorState, request: EmulatorRequest): Effect.Effect<EmulatorResponse> => {
  const clerkTraceId = traceId()
  return route(state, request).pipe(
    Effect.tap(({ operationId, body }) =>
      Effect.forEach(eventsOf(operationId, body, state.store), (event) => state.webhooks.emit(event), {
        discard: true
      })
    ),
    Effect.map(({ status, body }) =>
      body === undefined
        ? { status, headers: { "x-clerk-trace-id": clerkTraceId }, body: "" }
        : json(status, body, clerkTraceId)
    ),
    Effect.catchAll((error) =>
      Effect.succeed(json(error.status, error.toBody(clerkTraceId), clerkTraceId, error.headers))
    ),
    Effect.catchAllCause((cause) =>
      Effect.logError("Clerk emulator bug", cause).pipe(
        Effect.as(
          json(
            500,
            new ClerkApiError(
              500,
              "internal_clerk_error",
              "Oops, an unexpected error occurred",
              Cause.pretty(cause)
            ).toBody(clerkTraceId),
            clerkTraceId
          )
        )
      )
    )
  )
}
