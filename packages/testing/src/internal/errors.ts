import { Data } from "effect"

/**
 * An error the emulator answers with, shaped like Clerk's `ClerkErrors` body.
 * Handlers fail with it as a value; the router turns it into the answer.
 */
export class ClerkApiError extends Data.TaggedError("ClerkApiError")<{
  readonly status: number
  readonly code: string
  readonly message: string
  readonly longMessage: string
  readonly meta: Record<string, unknown>
  /** Response headers the error answers with besides the JSON ones, like `Retry-After`. */
  readonly headers: Record<string, string>
}> {
  toBody(clerkTraceId: string): unknown {
    return {
      errors: [{ message: this.message, long_message: this.longMessage, code: this.code, meta: this.meta }],
      clerk_trace_id: clerkTraceId
    }
  }
}

/** A Clerk error of one status and code; `meta` names the param it is about, where it is about one. */
export const apiError = (
  status: number,
  code: string,
  message: string,
  longMessage: string,
  meta: Record<string, unknown> = {},
  headers: Record<string, string> = {}
): ClerkApiError => new ClerkApiError({ status, code, message, longMessage, meta, headers })

export const notFound = (what = "Resource"): ClerkApiError =>
  apiError(404, "resource_not_found", "not found", `${what} not found`)

/** 401 for a request without an `Authorization: Bearer <key>` header, as Clerk answers it. */
export const authorizationHeaderInvalid = (): ClerkApiError =>
  apiError(
    401,
    "authorization_header_format_invalid",
    "Invalid Authorization header format",
    "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'"
  )

/** 401 for a secret key that is not the instance's, as Clerk answers it. */
export const secretKeyInvalid = (): ClerkApiError => {
  const message = "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
  return apiError(401, "clerk_key_invalid", message, message)
}

export const identifierExists = (param: string, label: string): ClerkApiError =>
  apiError(
    422,
    "form_identifier_exists",
    `That ${label} is taken. Please try another.`,
    `That ${label} is taken. Please try another.`,
    { param_name: param }
  )

/*
 * A bad param answers 422, except in the multipart uploads, which declare 400 for
 * a bad request: `status` says which.
 */

export const paramMissing = (param: string, status = 422): ClerkApiError =>
  apiError(status, "form_param_missing", `${param} must be included.`, `${param} must be included.`, {
    param_name: param
  })

export const paramInvalid = (param: string, longMessage: string, status = 422): ClerkApiError =>
  apiError(status, "form_param_value_invalid", "is invalid", longMessage, { param_name: param })

export const paramFormatInvalid = (param: string, longMessage: string, status = 422): ClerkApiError =>
  apiError(status, "form_param_format_invalid", "is invalid", longMessage, { param_name: param })

/** Clerk refuses a body key its operation does not take. */
export const paramUnknown = (param: string, status = 422): ClerkApiError =>
  apiError(
    status,
    "form_param_unknown",
    "is unknown",
    `${param} is not a valid parameter for this request.`,
    {
      param_name: param
    }
  )

export const malformedRequest = (longMessage: string): ClerkApiError =>
  apiError(400, "malformed_request", "malformed request", longMessage)

/** 429, as Clerk answers a request over its instance's rate limit. */
export const tooManyRequests = (retryAfterSeconds: number): ClerkApiError =>
  apiError(
    429,
    "too_many_requests",
    "Too many requests",
    `Too many requests, retry after ${retryAfterSeconds} seconds.`,
    {},
    { "retry-after": String(retryAfterSeconds) }
  )
