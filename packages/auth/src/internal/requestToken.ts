import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import { base64url, decodeJwt as joseDecodeJwt } from "jose"
import type { TokenVerificationError } from "../Errors.js"
import { refuse } from "./jwt.js"

/** The cookies Clerk's frontend SDKs set on the application's domain. */
const sessionCookie = "__session"
const clientUatCookie = "__client_uat"

/** Where a request's token came from, and for a cookie, the client's last sign-in or sign-out (`__client_uat`, seconds). */
export type FoundToken =
  | { readonly source: "header"; readonly token: string }
  | { readonly source: "cookie"; readonly token: string | undefined; readonly clientUat: number }

/**
 * The instance a publishable key names, for telling its suffixed cookies
 * (`__session_<suffix>`) from other apps' on the same domain.
 */
export interface CookieInstance {
  readonly suffix: string
  readonly frontendApi: string
  readonly production: boolean
}

/** Plain base64 to text, `""` when it is not base64 (web APIs only: this runs on edge runtimes too). */
const decodeBase64 = (value: string): string => {
  try {
    return atob(value)
  } catch {
    return ""
  }
}

/**
 * `pk_test_…`/`pk_live_…` carry the Frontend API host, base64 with a `$` end
 * mark; the cookie suffix is the first 8 characters of the base64url SHA-1 of the key.
 */
export const cookieInstance = (
  publishableKey: string
): Effect.Effect<CookieInstance, TokenVerificationError> =>
  Effect.gen(function* () {
    const match = /^pk_(test|live)_([A-Za-z0-9+/=]+)$/.exec(publishableKey)
    const decoded = match === null ? "" : decodeBase64(match[2] ?? "")
    if (match === null || !decoded.endsWith("$") || !decoded.slice(0, -1).includes(".")) {
      return yield* Effect.fail(
        refuse("InvalidKey", "publishableKey is not a Clerk publishable key (pk_test_… or pk_live_…)")
      )
    }
    const digest = yield* Effect.promise(() =>
      crypto.subtle.digest("SHA-1", new TextEncoder().encode(publishableKey))
    )
    return {
      suffix: base64url.encode(new Uint8Array(digest)).slice(0, 8),
      frontendApi: decoded.slice(0, -1),
      production: match[1] === "live"
    }
  })

const payloadOf = (token: string): Record<string, unknown> | undefined => {
  try {
    return joseDecodeJwt(token)
  } catch {
    return undefined
  }
}

const numberClaim = (token: string, claim: string): number => {
  const value = payloadOf(token)?.[claim]
  return typeof value === "number" ? value : 0
}

/**
 * Clerk's choice between the suffixed and the plain cookies, read from their
 * unverified contents: the plain cookies win when they are newer or the only
 * ones saying "signed in", the suffixed ones when the plain session belongs to
 * another instance.
 */
const usesSuffixed = (
  cookies: Readonly<Record<string, string>>,
  instance: CookieInstance,
  nowSeconds: number
) => {
  const suffixedUat = cookies[`${clientUatCookie}_${instance.suffix}`] || undefined
  const uat = cookies[clientUatCookie] || undefined
  const suffixedSession = cookies[`${sessionCookie}_${instance.suffix}`] ?? ""
  const session = cookies[sessionCookie] ?? ""
  if (session !== "") {
    const iss = payloadOf(session)?.iss
    if (typeof iss !== "string" || iss === "") return false
    if (iss.replace(/https?:\/\//gi, "") !== instance.frontendApi) return true
  }
  if (suffixedUat === undefined && suffixedSession === "") return false
  if (
    suffixedUat !== "0" &&
    uat !== "0" &&
    numberClaim(session, "iat") > numberClaim(suffixedSession, "iat")
  ) {
    return false
  }
  if (suffixedUat === "0" && uat !== "0") return false
  // Development instances set the suffixed __client_uat from the browser, which may lag: an expired suffixed token says so.
  if (!instance.production && suffixedUat !== "0" && uat === "0" && suffixedSession !== "") {
    if (numberClaim(suffixedSession, "exp") <= nowSeconds) return false
  }
  return !(suffixedUat === undefined && suffixedSession !== "")
}

/**
 * The token a request carries: `Authorization: Bearer` first (cross-origin and
 * machine callers), else the `__session` cookie (same-origin browsers) with its
 * `__client_uat`, suffixed when `instance` says the request uses suffixed cookies.
 */
export const requestToken = (
  request: HttpServerRequest.HttpServerRequest,
  instance: CookieInstance | undefined,
  nowSeconds: number
): FoundToken => {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1]
  if (bearer !== undefined) return { source: "header", token: bearer }
  const cookies = request.cookies
  const suffix =
    instance !== undefined && usesSuffixed(cookies, instance, nowSeconds) ? `_${instance.suffix}` : ""
  const token = cookies[`${sessionCookie}${suffix}`]
  const clientUat = Number.parseInt(cookies[`${clientUatCookie}${suffix}`] ?? "", 10)
  return {
    source: "cookie",
    token: token === undefined || token === "" ? undefined : token,
    clientUat: Number.isNaN(clientUat) ? 0 : clientUat
  }
}
