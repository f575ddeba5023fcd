import { Effect } from "effect"
import { type Handler, type HandlerContext, param, sync } from "./context.js"
import { ClerkApiError, notFound, paramInvalid } from "./errors.js"
import { randomBase62 } from "./ids.js"
import type { SigningKeys } from "./keys.js"
import { findOrganization, findUser } from "./lookups.js"
import {
  bodyObject,
  dayMillis,
  optInteger,
  optString,
  page,
  listAnswer,
  queryString,
  reqString
} from "./params.js"
import { sessionJson } from "./serialize.js"
import type { SessionRecord, SessionStatus, Store } from "./store.js"

const statuses: ReadonlyArray<SessionStatus> = [
  "abandoned",
  "active",
  "ended",
  "expired",
  "removed",
  "replaced",
  "revoked"
]

const createSession = (store: Store, userId: string, activeOrganizationId: string | null): SessionRecord => {
  const user = findUser(store, userId)
  if (activeOrganizationId !== null) {
    const organization = findOrganization(store, activeOrganizationId)
    if (store.findMembership(organization.id, user.id) === undefined) {
      throw paramInvalid("active_organization_id", "The user is not a member of active_organization_id.")
    }
  }
  const now = store.now()
  const session: SessionRecord = {
    id: store.newId("sess"),
    userId: user.id,
    clientId: store.newId("client"),
    status: "active",
    lastActiveOrganizationId: activeOrganizationId,
    lastActiveAt: now,
    expireAt: now + 7 * dayMillis,
    abandonAt: now + 30 * dayMillis,
    createdAt: now,
    updatedAt: now
  }
  store.sessions.set(session.id, session)
  user.lastSignInAt = now
  user.lastActiveAt = now
  return session
}

const sessionParam = (ctx: HandlerContext): SessionRecord => {
  const session = ctx.store.sessions.get(param(ctx, "session_id"))
  if (session === undefined) throw notFound("session")
  return session
}

export interface TokenOptions {
  readonly expiresInSeconds?: number | undefined
  readonly azp?: string | undefined
}

/**
 * Signs a session token with the claims of Clerk's version 2 session tokens.
 * Reads the store synchronously first, then signs: the signing is the only
 * asynchronous step and it mutates nothing.
 */
export const sessionToken = (
  store: Store,
  keys: SigningKeys,
  sessionId: string,
  options: TokenOptions
): Effect.Effect<string, ClerkApiError> =>
  Effect.suspend(() => {
    const session = store.sessions.get(sessionId)
    if (session === undefined) return Effect.fail(notFound("session"))
    if (session.status !== "active") {
      return Effect.fail(
        new ClerkApiError(
          404,
          "resource_not_found",
          "not found",
          `Session ${session.id} is ${session.status}.`
        )
      )
    }
    const iat = Math.floor(Date.now() / 1000)
    const organization =
      session.lastActiveOrganizationId === null
        ? undefined
        : store.organizations.get(session.lastActiveOrganizationId)
    const membership = organization && store.findMembership(organization.id, session.userId)
    return keys.sign({
      ...(options.azp === undefined ? {} : { azp: options.azp }),
      exp: iat + (options.expiresInSeconds ?? 60),
      fva: [0, -1],
      iat,
      iss: keys.issuer,
      jti: randomBase62(20),
      nbf: iat - 10,
      sid: session.id,
      sub: session.userId,
      v: 2,
      ...(organization && membership
        ? { o: { id: organization.id, rol: membership.role.replace(/^org:/, ""), slg: organization.slug } }
        : {})
    })
  })

const readExpiresIn = sync((ctx) => {
  const seconds = optInteger(bodyObject(ctx.body), "expires_in_seconds") ?? undefined
  if (seconds !== undefined && (seconds < 30 || seconds > 315360000)) {
    throw paramInvalid("expires_in_seconds", "expires_in_seconds must be between 30 and 315360000.")
  }
  return seconds
})

export const handlers: Record<string, Handler> = {
  createSession: sync((ctx) => {
    const body = bodyObject(ctx.body)
    const session = createSession(
      ctx.store,
      reqString(body, "user_id"),
      optString(body, "active_organization_id") ?? null
    )
    return sessionJson(session)
  }),
  GetSessionList: sync((ctx) => {
    const p = page(ctx.query)
    const userId = queryString(ctx.query, "user_id")
    const clientId = queryString(ctx.query, "client_id")
    const status = queryString(ctx.query, "status")
    if (status !== undefined && !statuses.some((s) => s === status)) {
      throw paramInvalid("status", `status must be one of ${statuses.join(", ")}.`)
    }
    const sessions = [...ctx.store.sessions.values()]
      .filter(
        (s) =>
          (userId === undefined || s.userId === userId) &&
          (clientId === undefined || s.clientId === clientId) &&
          (status === undefined || s.status === status)
      )
      .sort((a, b) => b.createdAt - a.createdAt)
    return listAnswer(ctx.query, p, sessions, sessionJson)
  }),
  GetSession: sync((ctx) => sessionJson(sessionParam(ctx))),
  RevokeSession: sync((ctx) => {
    const session = sessionParam(ctx)
    session.status = "revoked"
    session.updatedAt = ctx.store.now()
    return sessionJson(session)
  }),
  CreateSessionToken: (ctx) =>
    readExpiresIn(ctx).pipe(
      Effect.flatMap((expiresInSeconds) =>
        sessionToken(ctx.store, ctx.keys, param(ctx, "session_id"), { expiresInSeconds })
      ),
      Effect.map((jwt) => ({ object: "token", jwt }))
    ),
  GetJWKS: sync((ctx) => ({ keys: [ctx.keys.publicJwk] }))
}
