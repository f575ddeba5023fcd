/**
 * The one function behind every generated operation: validate and encode the
 * params, send, then decode the answer into the success value or a typed error.
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { CallOptions } from "../CallOptions.js"
import { ClerkClient } from "../ClerkClient.js"
import type { ErrorFor, ErrorStatus, ResponseValidationError, SDKError } from "../Errors.js"
import { RequestValidationError } from "../Errors.js"
import * as CompiledDecoder from "./compiledDecoder.js"
import { toIssues } from "./issues.js"
import { type RequestShape, build } from "./request.js"
import { RateLimit } from "../RateLimit.js"
import { type Failure, RetryPolicy } from "../RetryPolicy.js"
import { Timeout } from "../Timeout.js"
import { type Answer, exchange, failWith, retryAfterOf, statusKind, transportKind } from "./attempt.js"
import { failure, success } from "./response.js"

/**
 * Errors any operation can fail with, whatever its spec entry declares:
 * invalid params, an undocumented answer, a body its schema rejects, a
 * request that never got an answer (or whose answer a middleware of the
 * supplied HttpClient rejected), or an attempt that ran out of time.
 *
 * @since 0.1.0
 * @category errors
 */
export type GenericError =
  | RequestValidationError
  | SDKError
  | ResponseValidationError
  | HttpClientError.HttpClientError
  | Cause.TimeoutException

export interface Definition<P, PI, A, AI, S extends ErrorStatus> extends RequestShape {
  readonly operationId: string
  /** Params on the decoded side are camelCase; encoding yields the wire names. */
  readonly params: Schema.Schema<P, PI>
  /** Absent when the operation answers without a body. */
  readonly success: Schema.Schema<A, AI> | undefined
  readonly errors: ReadonlyArray<S>
}

/** Operations whose params are all optional can be called without any. */
export type Call<P, A, E> = {} extends P
  ? (params?: P, options?: CallOptions) => Effect.Effect<A, E, ClerkClient>
  : (params: P, options?: CallOptions) => Effect.Effect<A, E, ClerkClient>

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = <P, PI, A, AI, const S extends ErrorStatus>(
  definition: Definition<P, PI, A, AI, S>
): Call<P, A, ErrorFor<S> | GenericError> => {
  const encodeParams = Schema.encodeUnknownEither(definition.params, { errors: "all" })
  const decodeSuccess =
    definition.success === undefined ? undefined : CompiledDecoder.decodeUnknownEither(definition.success)
  const spanAttributes = {
    "clerk.operation_id": definition.operationId,
    "http.request.method": definition.method,
    "http.route": definition.path
  }
  type E = ErrorFor<S> | GenericError
  const call = (params: P | undefined, options?: CallOptions) =>
    Effect.gen(function* () {
      const wire = encodeParams(params ?? {})
      if (wire._tag === "Left") {
        const issues = toIssues(wire.left)
        return yield* new RequestValidationError({
          operationId: definition.operationId,
          field: issues[0]?.path.map(String).join(".") ?? "",
          issues
        })
      }
      const { httpClient } = yield* ClerkClient
      const request = yield* build(definition, wire.right as { readonly [key: string]: unknown })
      const policy = options?.retry ?? (yield* RetryPolicy)
      const timeout = options?.timeout === undefined ? yield* Timeout : Duration.decode(options.timeout)
      const rateLimit = yield* RateLimit
      const context = { operationId: definition.operationId, method: definition.method, policy }
      let attempts = 0
      let status: number | undefined

      const settle = (answer: Answer): Effect.Effect<Either.Either<A, E>, Failure<E>> =>
        Effect.gen(function* () {
          const { response, text } = answer
          status = response.status
          if (response.status >= 200 && response.status < 300) {
            if (decodeSuccess === undefined) return Either.right(undefined as A)
            const decoded = yield* Effect.either(
              success(definition.operationId, decodeSuccess, response, text)
            )
            // A success whose body broke off may be read again where repeating is safe.
            if (Either.isLeft(decoded) && answer.broken) {
              return yield* failWith<A, E>(context, decoded.left, "ConnectionLost", attempts)
            }
            return decoded
          }
          const now = yield* Clock.currentTimeMillis
          const error = failure(definition.errors, response, text, now)
          return yield* failWith<A, E>(
            context,
            error,
            statusKind(response.status),
            attempts,
            retryAfterOf(response, now)
          )
        })

      const attempt = Effect.suspend(() => {
        attempts += 1
        return rateLimit.limit(exchange(httpClient, request, timeout))
      }).pipe(
        Effect.matchEffect({
          onFailure: (error) =>
            failWith<A, E>(
              context,
              error,
              error._tag === "TimeoutException" ? "TimedOut" : transportKind(error),
              attempts
            ),
          onSuccess: settle
        })
      )

      const result = yield* attempt.pipe(
        Effect.retry(policy.schedule),
        Effect.mapError((failure) => failure.error),
        Effect.ensuring(
          Effect.suspend(() =>
            Effect.annotateCurrentSpan(
              status === undefined
                ? { "clerk.attempts": attempts }
                : { "clerk.attempts": attempts, "http.response.status_code": status }
            )
          )
        )
      )
      return yield* result
    }).pipe(
      Effect.withSpan(`Clerk.${definition.operationId}`, { kind: "client", attributes: spanAttributes })
    )
  return call as Call<P, A, ErrorFor<S> | GenericError>
}
