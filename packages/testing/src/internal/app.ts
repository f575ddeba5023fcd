import { Cause, Effect, Either } from "effect"
import type { Params } from "./context.js"
import { handlers } from "./generated/handlers.js"
import { decodeParams, wireOf } from "./decode.js"
import {
  authorizationHeaderInvalid,
  apiError,
  type ClerkApiError,
  malformedRequest,
  notFound,
  secretKeyInvalid,
  tooManyRequests
} from "./errors.js"
import { eventsOf } from "./events.js"
import { traceId } from "./ids.js"
import { type GenericRequest, generic, isMachineSecretKey } from "./generic.js"
import type { SigningKeys } from "./keys.js"
import type { Limiter } from "./rateLimit.js"
import { matchRoute } from "./router.js"
import type { Webhooks } from "./webhooks.js"
import { type OperationId, params } from "./generated/operations.js"
import type { OperationSpec } from "./shape.js"
import type { Store } from "./store.js"

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

const authenticate = (
  state: EmulatorState,
  operationId: string,
  token: string | undefined
): Effect.Effect<void, ClerkApiError> => {
  if (token === undefined) return Effect.fail(authorizationHeaderInvalid())
  if (state.secretKey === undefined || token === state.secretKey) return Effect.void
  return machineOperations.has(operationId) && isMachineSecretKey(state.store, token)
    ? Effect.void
    : Effect.fail(secretKeyInvalid())
}

const decoder = new TextDecoder()

const parseJson = (bytes: Uint8Array): Effect.Effect<unknown, ClerkApiError> =>
  Effect.suspend(() => {
    const text = decoder.decode(bytes)
    return text.trim() === ""
      ? Effect.succeed(undefined)
      : Effect.try({
          try: (): unknown => JSON.parse(text),
          catch: () => malformedRequest("The request body is not valid JSON.")
        })
  })

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

/** JSON is parsed on the spot; multipart parsing is asynchronous. */
const parseBody = (request: EmulatorRequest): Effect.Effect<unknown, ClerkApiError> =>
  isMultipart(request.contentType)
    ? parseMultipart(request.contentType, request.body)
    : parseJson(request.body)

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

const isOperationId = (id: string): id is OperationId => Object.hasOwn(params, id)

/**
 * Decodes the request's params with the operation's params schema, then answers
 * with the handler of the resource module that has one, else from the generic store.
 */
const dispatch = <Id extends OperationId>(
  id: Id,
  op: OperationSpec,
  request: GenericRequest
): Effect.Effect<unknown, ClerkApiError> => {
  const decoded = decodeParams(op, params[id], request.wire)
  if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
  const handler = handlers[id]
  const answerGenerically = generic(op)
  if (handler === undefined) return answerGenerically(request)
  // Decoded by `params[id]`, the schema whose type `Params<Id>` is.
  return handler(decoded.right as Params<Id>, {
    store: request.store,
    keys: request.keys,
    generic: Effect.suspend(() => answerGenerically(request))
  })
}

const route = (
  state: EmulatorState,
  request: EmulatorRequest
): Effect.Effect<
  { readonly status: number; readonly body: unknown; readonly operationId: string },
  ClerkApiError
> =>
  Effect.gen(function* () {
    const method = request.method.toUpperCase()
    const match = matchRoute(method, stripBasePath(request.url.pathname))
    if (match === undefined) return yield* notFound(`${method} ${request.url.pathname}`)
    const { operationId } = match.route
    const bearer = bearerOf(request.authorization)
    if (!publicOperations.has(operationId)) yield* authenticate(state, operationId, bearer)
    if (!isOperationId(operationId)) return yield* notFound(`${method} ${request.url.pathname}`)
    yield* rateLimited(state.limiter, operationId)
    const op = match.route.spec
    const query = request.url.searchParams
    const body = yield* parseBody(request)
    const wire = yield* wireOf(op, match.params, query, body)
    const answer = yield* dispatch(operationId, op, {
      store: state.store,
      keys: state.keys,
      path: match.params,
      query,
      wire,
      body,
      bearer
    }).pipe(
      // A handler's store changes happen in one step: no other request runs in between.
      Effect.withMaxOpsBeforeYield(Number.POSITIVE_INFINITY)
    )
    return { status: op.status, body: answer, operationId }
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
            apiError(
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
