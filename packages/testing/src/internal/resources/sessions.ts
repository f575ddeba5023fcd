import { Effect } from "effect"
import type { Handlers } from "../context.js"
import { apiError, type ClerkApiError, notFound, paramInvalid } from "../errors.js"
import { randomBase62 } from "../ids.js"
import type { SigningKeys } from "../keys.js"
import { findOrganization, findUser } from "../lookups.js"
import { dayMillis, listed, pageOf } from "../params.js"
import { sessionJson } from "../serialize.js"
import type { MembershipRecord, OrganizationRecord, SessionRecord, Store } from "../store.js"

/** Clerk starts a session in the organization the user last created or joined, if any. */
const lastJoined = (store: Store, userId: string): string | null => {
  let latest: MembershipRecord | undefined
  for (const m of store.membershipsOf(userId))
    if (latest === undefined || m.createdAt > latest.createdAt) latest = m
  return latest?.organizationId ?? null
}

/** The organization a session may make active: one the user is a member of. */
const memberOrganization = (
  store: Store,
  userId: string,
  organizationId: string
): Effect.Effect<string, ClerkApiError> =>
  Effect.flatMap(findOrganization(store, organizationId), (organization) =>
    store.findMembership(organization.id, userId) === undefined
      ? Effect.fail(
          paramInvalid("active_organization_id", "The user is not a member of active_organization_id.")
        )
      : Effect.succeed(organization.id)
  )

const createSession = (
  store: Store,
  userId: string,
  activeOrganizationId: string | undefined,
  actor: Record<string, unknown> | null = null
) =>
  Effect.gen(function* () {
    const user = yield* findUser(store, userId)
    const organizationId =
      activeOrganizationId === undefined
        ? lastJoined(store, user.id)
        : yield* memberOrganization(store, user.id, activeOrganizationId)
    const now = store.now()
    const session: SessionRecord = {
      id: store.newId("sess"),
      userId: user.id,
      clientId: store.newId("client"),
      status: "active",
      lastActiveOrganizationId: organizationId,
      lastActiveAt: now,
      expireAt: now + 7 * dayMillis,
      abandonAt: now + 30 * dayMillis,
      createdAt: now,
      updatedAt: now,
      actor
    }
    store.sessions.set(session.id, session)
    user.lastSignInAt = now
    user.lastActiveAt = now
    return session
  })

/** Switches a session's active organization (none with null), as a client's `setActive` would. */
export const setActiveOrganization = (
  store: Store,
  sessionId: string,
  organizationId: string | null
): Effect.Effect<SessionRecord, ClerkApiError> =>
  Effect.gen(function* () {
    const session = yield* findSession(store, sessionId)
    session.lastActiveOrganizationId =
      organizationId === null ? null : yield* memberOrganization(store, session.userId, organizationId)
    session.updatedAt = store.now()
    return session
  })

const findSession = (store: Store, sessionId: string): Effect.Effect<SessionRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const session = store.sessions.get(sessionId)
    return session === undefined ? Effect.fail(notFound("session")) : Effect.succeed(session)
  })

export interface TokenOptions {
  readonly expiresInSeconds?: number | undefined
  readonly azp?: string | undefined
}

/**
 * An actor token's user signs in with it (Clerk's ticket sign-in, outside the Backend API):
 * the token is accepted once and the new session carries its actor.
 */
export const acceptActorToken = (
  store: Store,
  tokenOrId: string
): Effect.Effect<SessionRecord, ClerkApiError> =>
  Effect.gen(function* () {
    const tokens = store.resources.get("/actor_tokens")
    const token = [...(tokens?.values() ?? [])].find((t) => t.id === tokenOrId || t.token === tokenOrId)
    if (tokens === undefined || token === undefined) return yield* notFound("actor_token")
    if (token.status !== "pending" || typeof token.user_id !== "string")
      return yield* apiError(
        400,
        "actor_token_cannot_be_used",
        "cannot use",
        `Actor token is ${String(token.status)}.`
      )
    const actor = typeof token.actor === "object" && token.actor !== null ? { ...token.actor } : {}
    const session = yield* createSession(store, token.user_id, undefined, actor)
    tokens.set(String(token.id), { ...token, status: "accepted", updated_at: session.createdAt })
    return session
  })

export interface SessionState {
  /** Tasks left to the user; a session with any is pending, with none active. */
  readonly tasks?: ReadonlyArray<string> | undefined
  /** Minutes since the first and the second factor were verified; -1: never. */
  readonly factorVerificationAge?: readonly [first: number, second: number] | undefined
}

/** Sets what a client's sign-in would: the session's pending tasks and when its factors were verified. */
export const setSessionState = (
  store: Store,
  sessionId: string,
  state: SessionState
): Effect.Effect<SessionRecord, ClerkApiError> =>
  Effect.flatMap(findSession(store, sessionId), (session) => {
    if (session.status !== "active" && session.status !== "pending") return Effect.fail(notFound("session"))
    const now = store.now()
    if (state.tasks !== undefined) {
      session.tasks = state.tasks
      session.status = state.tasks.length > 0 ? "pending" : "active"
    }
    if (state.factorVerificationAge !== undefined) {
      const [first, second] = state.factorVerificationAge.map((minutes) =>
        minutes < 0 ? null : now - minutes * 60_000
      )
      session.factorsVerifiedAt = [first ?? null, second ?? null]
    }
    session.updatedAt = now
    return Effect.succeed(session)
  })

/** Clerk's `fva`: whole minutes since each factor was verified, -1 for one never verified. */
const factorVerificationAge = (session: SessionRecord, now: number): readonly [number, number] => {
  const [first, second] = session.factorsVerifiedAt ?? [session.createdAt, null]
  const age = (at: number | null) => (at === null ? -1 : Math.max(0, Math.floor((now - at) / 60_000)))
  return [age(first), age(second)]
}

/** A session that may have tokens: an existing, active or pending one. */
export const activeSession = (store: Store, sessionId: string): Effect.Effect<SessionRecord, ClerkApiError> =>
  Effect.flatMap(findSession(store, sessionId), (session) =>
    session.status === "active" || session.status === "pending"
      ? Effect.succeed(session)
      : Effect.fail(
          apiError(404, "resource_not_found", "not found", `Session ${session.id} is ${session.status}.`)
        )
  )

/** The session's active organization and the user's membership in it, while both exist. */
export const activeMembership = (
  store: Store,
  session: SessionRecord
): { readonly organization: OrganizationRecord; readonly membership: MembershipRecord } | undefined => {
  const organization =
    session.lastActiveOrganizationId === null
      ? undefined
      : store.organizations.get(session.lastActiveOrganizationId)
  const membership = organization && store.findMembership(organization.id, session.userId)
  return organization && membership ? { organization, membership } : undefined
}

/**
 * The version 2 organization claims (`o`, and the features `fea` its bitmaps
 * index). Only custom permissions travel: Clerk leaves system permissions out
 * of session tokens. A permission key `org:<feature>:<action>` is encoded as
 * the organization feature `o:<feature>` in `fea`, the action's name in `per`,
 * and bit i of the feature's `fpm` entry set when the role has the i-th name
 * of `per` for that feature.
 */
export const organizationClaims = (
  store: Store,
  organization: OrganizationRecord,
  membership: MembershipRecord
): { readonly o: Record<string, string>; readonly fea: string | undefined } => {
  const features: Array<string> = []
  const names: Array<string> = []
  const pairs: Array<readonly [feature: number, name: number]> = []
  for (const key of store.permissionKeysOf(membership.role)) {
    const [, feature = "", name = ""] = key.split(":")
    if (feature.startsWith("sys_")) continue
    if (!features.includes(feature)) features.push(feature)
    if (!names.includes(name)) names.push(name)
    pairs.push([features.indexOf(feature), names.indexOf(name)])
  }
  // A bitmap may outgrow 2^53 with many names, hence bigint.
  const maps = features.map(() => 0n)
  for (const [feature, name] of pairs) maps[feature] = (maps[feature] ?? 0n) | (1n << BigInt(name))
  return {
    o: {
      id: organization.id,
      slg: organization.slug,
      rol: membership.role.replace(/^org:/, ""),
      per: names.join(","),
      fpm: maps.map(String).join(",")
    },
    fea: features.length === 0 ? undefined : features.map((feature) => `o:${feature}`).join(",")
  }
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
  Effect.flatMap(
    Effect.map(activeSession(store, sessionId), (session) => {
      const active = activeMembership(store, session)
      const organization = active && organizationClaims(store, active.organization, active.membership)
      const iat = Math.floor(Date.now() / 1000)
      return {
        ...(session.actor ? { act: session.actor } : {}),
        ...(options.azp === undefined ? {} : { azp: options.azp }),
        exp: iat + (options.expiresInSeconds ?? 60),
        ...(organization?.fea === undefined ? {} : { fea: organization.fea }),
        fva: factorVerificationAge(session, store.now()),
        iat,
        iss: keys.issuer,
        jti: randomBase62(20),
        nbf: iat - 10,
        sid: session.id,
        sts: session.status,
        sub: session.userId,
        v: 2,
        ...(organization === undefined ? {} : { o: organization.o })
      }
    }),
    keys.sign
  )

export const handlers: Handlers = {
  createSession: (params, { store }) =>
    Effect.map(createSession(store, params.userId, params.activeOrganizationId), sessionJson),
  GetSessionList: (params, { store }) =>
    Effect.sync(() => {
      const { userId, clientId, status } = params
      const sessions = [...store.sessions.values()]
        .filter(
          (s) =>
            (userId === undefined || s.userId === userId) &&
            (clientId === undefined || s.clientId === clientId) &&
            (status === undefined || s.status === status)
        )
        .sort((a, b) => b.createdAt - a.createdAt)
      return listed(params, pageOf(params), sessions, sessionJson)
    }),
  GetSession: (params, { store }) => Effect.map(findSession(store, params.sessionId), sessionJson),
  RevokeSession: (params, { store }) =>
    Effect.map(findSession(store, params.sessionId), (session) => {
      session.status = "revoked"
      session.updatedAt = store.now()
      return sessionJson(session)
    }),
  CreateSessionToken: (params, { store, keys }) =>
    Effect.map(
      sessionToken(store, keys, params.sessionId, { expiresInSeconds: params.expiresInSeconds ?? undefined }),
      (jwt) => ({ object: "token", jwt })
    ),
  GetJWKS: (_, { keys }) => Effect.sync(() => ({ keys: [keys.publicJwk()] }))
}
