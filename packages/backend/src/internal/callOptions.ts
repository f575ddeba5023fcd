/**
 * The second argument of every call, checked before anything is sent: a caller
 * in plain JavaScript can pass any value there, and a timeout Effect cannot read
 * or a retry policy without a schedule must fail the call with a typed error,
 * not kill it.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import type { CallOptions } from "../CallOptions.js"
import { RequestValidationError, ValidationIssue } from "../Errors.js"
import type * as RetryPolicy from "../RetryPolicy.js"

export interface CheckedOptions {
  readonly retry: RetryPolicy.Service | undefined
  readonly timeout: Duration.Duration | undefined
}

const none: CheckedOptions = { retry: undefined, timeout: undefined }

const invalid = (operationId: string, option: string, message: string) =>
  Either.left(
    new RequestValidationError({
      operationId,
      field: `options.${option}`,
      issues: [new ValidationIssue({ path: ["options", option], message })]
    })
  )

const isRetryPolicy = (u: unknown): u is RetryPolicy.Service =>
  Predicate.hasProperty(u, "schedule") && Schedule.isSchedule(u.schedule)

export const check = (
  operationId: string,
  options: CallOptions | undefined
): Either.Either<CheckedOptions, RequestValidationError> => {
  if (options === undefined || options === null) return Either.right(none)
  if (typeof options !== "object") return invalid(operationId, "(root)", "call options must be an object")
  const { retry, timeout } = options
  if (retry !== undefined && !isRetryPolicy(retry))
    return invalid(operationId, "retry", "must be a RetryPolicy (RetryPolicy.make, RetryPolicy.disabled, …)")
  if (timeout === undefined) return Either.right({ retry, timeout: undefined })
  const decoded = Duration.decodeUnknown(timeout)
  if (Option.isNone(decoded) || Duration.lessThanOrEqualTo(decoded.value, Duration.zero))
    return invalid(operationId, "timeout", 'must be a positive Duration (e.g. "5 seconds" or 5000)')
  return Either.right({ retry, timeout: decoded.value })
}
