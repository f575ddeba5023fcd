import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"

/** The session cookie Clerk's frontend SDKs set on the application's domain. */
export const sessionCookie = "__session"

/**
 * The token a request carries: `Authorization: Bearer` first (cross-origin and
 * machine callers), else the `__session` cookie (same-origin browsers).
 */
export const requestToken = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1]
  if (bearer !== undefined) return bearer
  const cookie = request.cookies[sessionCookie]
  return cookie === undefined || cookie === "" ? undefined : cookie
}
