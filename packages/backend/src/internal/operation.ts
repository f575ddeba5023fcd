/**
 * The one function behind every generated operation: validate and encode the
 * params, send, then decode the answer into the success value or a typed error.
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ClerkClient } from "../ClerkClient.js"
import type { ErrorFor, ErrorStatus, ResponseValidationError, SDKError } from "../Errors.js"
import { RequestValidationError } from "../Errors.js"
import * as CompiledDecoder from "./compiledDecoder.js"
import { toIssues } from "./issues.js"
import { type RequestShape, build } from "./request.js"
import { failure, success } from "./response.js"

/**
 * Errors any operation can fail with, whatever its spec entry declares:
 * invalid params, an undocumented answer, a body its schema rejects, or a
 * request that never got an answer.
 *
 * @since 0.1.0
 * @category errors
 */
export type GenericError = RequestValidationError | SDKError | ResponseValidationError | HttpClientError.RequestError

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
  ? (params?: P) => Effect.Effect<A, E, ClerkClient>
  : (params: P) => Effect.Effect<A, E, ClerkClient>

const readBody = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.catchTag(response.text, "ResponseError", (error) =>
    // A body that breaks off mid-stream is an answer we cannot read, not a transport failure.
    Effect.succeed(`<body unreadable: ${error.description ?? error.reason}>`)
  )

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = <P, PI, A, AI, const S extends ErrorStatus>(
  definition: Definition<P, PI, A, AI, S>
): Call<P, A, ErrorFor<S> | GenericError> => {
  const encodeParams = Schema.encodeUnknownEither(definition.params, { errors: "all" })
  const decodeSuccess = definition.success === undefined ? undefined : CompiledDecoder.decodeUnknownEither(definition.success)
  const spanAttributes = {
    "clerk.operation_id": definition.operationId,
    "http.request.method": definition.method,
    "http.route": definition.path
  }
  const call = (params: P | undefined) =>
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
      const response = yield* httpClient.execute(build(definition, wire.right as { readonly [key: string]: unknown }))
      const text = yield* readBody(response)
      if (response.status >= 200 && response.status < 300) {
        if (decodeSuccess === undefined) return undefined as A
        return yield* success(definition.operationId, decodeSuccess, response, text)
      }
      return yield* Effect.fail(failure(definition.errors, response, text, yield* Clock.currentTimeMillis))
    }).pipe(Effect.scoped, Effect.withSpan(`Clerk.${definition.operationId}`, { kind: "client", attributes: spanAttributes }))
  return call as Call<P, A, ErrorFor<S> | GenericError>
}
