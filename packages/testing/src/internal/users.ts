import { type Handler, param, sync } from "./context.js"
import { findUser, userParam } from "./lookups.js"
import { ClerkApiError, paramInvalid } from "./errors.js"
import { addIdentification, assertAvailable } from "./identifications.js"
import { makeId } from "./ids.js"
import { hashPassword, passwordMatches } from "./passwords.js"
import { assertMaySignUp } from "./restrictions.js"
import {
  bodyObject,
  reqString,
  containsFold,
  type JsonObject,
  mergedMetadata,
  optBoolean,
  optInteger,
  optMetadata,
  optString,
  optStringArray,
  optTimestamp,
  orderBy,
  type Page,
  page,
  paginate,
  passesIdFilter,
  queryBoolean,
  queryIdFilter,
  queryInteger,
  queryList,
  queryString,
  reqFile
} from "./params.js"
import { deletedJson, membershipJson, userJson } from "./serialize.js"
import type { Metadata, Store, UserRecord } from "./store.js"

const normalizeUsername = (store: Store, raw: string, self?: string): string => {
  const username = raw.trim().toLowerCase()
  if (username.length < 4 || username.length > 64) {
    throw new ClerkApiError(
      422,
      "form_username_invalid_length",
      "Username must be between 4 and 64 characters long.",
      "Username must be between 4 and 64 characters long.",
      { param_name: "username" }
    )
  }
  if (!/^[a-z0-9_-]+$/.test(username)) {
    throw new ClerkApiError(
      422,
      "form_username_invalid_character",
      "Username can only contain letters, numbers and '_' or '-'.",
      "Username can only contain letters, numbers and '_' or '-'.",
      { param_name: "username" }
    )
  }
  const other = store.findUserByUsername(username)
  if (other !== undefined && other.id !== self) {
    throw new ClerkApiError(
      422,
      "form_identifier_exists",
      "That username is taken. Please try another.",
      "That username is taken. Please try another.",
      { param_name: "username" }
    )
  }
  return username
}

const checkPassword = (password: string, skipChecks: boolean): void => {
  if (!skipChecks && password.length < 8) {
    throw new ClerkApiError(
      422,
      "form_password_length_too_short",
      "Passwords must be 8 characters or more.",
      "Passwords must be 8 characters or more.",
      { param_name: "password" }
    )
  }
}

const createUser = sync((ctx) => {
  const { store } = ctx
  const body = bodyObject(ctx.body)
  const emails = (optStringArray(body, "email_address") ?? []).map((e) =>
    assertAvailable(store, "email_address", e)
  )
  const phones = (optStringArray(body, "phone_number") ?? []).map((p) =>
    assertAvailable(store, "phone_number", p)
  )
  if (new Set(emails).size !== emails.length)
    throw paramInvalid("email_address", "An email address is listed twice.")
  if (new Set(phones).size !== phones.length)
    throw paramInvalid("phone_number", "A phone number is listed twice.")
  assertMaySignUp(store, [
    ...emails.map((value) => ({ kind: "email_address" as const, value })),
    ...phones.map((value) => ({ kind: "phone_number" as const, value }))
  ])
  const rawUsername = optString(body, "username")
  const username = rawUsername ? normalizeUsername(store, rawUsername) : null
  const password = optString(body, "password")
  const passwordDigest = optString(body, "password_digest")
  if (password) checkPassword(password, optBoolean(body, "skip_password_checks") === true)
  const now = store.now()
  const createdAt = optTimestamp(body, "created_at") ?? now
  const user: UserRecord = {
    id: store.newId("user"),
    externalId: optString(body, "external_id") ?? null,
    username,
    firstName: optString(body, "first_name") ?? null,
    lastName: optString(body, "last_name") ?? null,
    locale: optString(body, "locale") ?? null,
    passwordEnabled: Boolean(password || passwordDigest),
    passwordLastUpdatedAt: password || passwordDigest ? now : null,
    passwordHash: password ? hashPassword(password) : null,
    primaryEmailAddressId: null,
    primaryPhoneNumberId: null,
    publicMetadata: optMetadata(body, "public_metadata") ?? {},
    privateMetadata: optMetadata(body, "private_metadata") ?? {},
    unsafeMetadata: optMetadata(body, "unsafe_metadata") ?? {},
    banned: optBoolean(body, "banned") ?? false,
    locked: optBoolean(body, "locked") ?? false,
    deleteSelfEnabled: optBoolean(body, "delete_self_enabled") ?? true,
    createOrganizationEnabled: optBoolean(body, "create_organization_enabled") ?? true,
    createOrganizationsLimit: optInteger(body, "create_organizations_limit") ?? null,
    bypassClientTrust: optBoolean(body, "bypass_client_trust") ?? false,
    legalAcceptedAt: optTimestamp(body, "legal_accepted_at") ?? null,
    lastSignInAt: null,
    lastActiveAt: null,
    imageId: null,
    createdAt,
    updatedAt: Math.max(now, createdAt)
  }
  store.users.set(user.id, user)
  for (const email of emails)
    addIdentification(store, user, "email_address", email, { verified: true, primary: false })
  for (const phone of phones)
    addIdentification(store, user, "phone_number", phone, { verified: true, primary: false })
  return userJson(store, user)
})

const updateUser = sync((ctx) => {
  const { store } = ctx
  const user = userParam(ctx)
  const body = bodyObject(ctx.body)
  const primaryOf = (key: string, kind: "email_address" | "phone_number"): string | undefined => {
    const id = optString(body, key)
    if (id === undefined || id === null) return undefined
    const found = store.identifications.get(id)
    if (found === undefined || found.userId !== user.id || found.kind !== kind) {
      throw paramInvalid(key, `${key} must be the id of one of the user's ${kind.replace("_", " ")}es.`)
    }
    return id
  }
  const primaryEmail = primaryOf("primary_email_address_id", "email_address")
  const primaryPhone = primaryOf("primary_phone_number_id", "phone_number")
  const rawUsername = optString(body, "username")
  // An empty or null username clears it.
  const username =
    rawUsername === undefined
      ? undefined
      : rawUsername
        ? normalizeUsername(store, rawUsername, user.id)
        : null
  const password = optString(body, "password")
  if (password) checkPassword(password, optBoolean(body, "skip_password_checks") === true)
  const createdAt = optTimestamp(body, "created_at")
  const legalAcceptedAt = optTimestamp(body, "legal_accepted_at")

  const passwordChanged = Boolean(password || optString(body, "password_digest"))
  // Every field is read (and validated) before any is written, so a rejected request changes nothing.
  const changes: { [K in keyof UserRecord]?: UserRecord[K] | undefined } = {
    externalId: optString(body, "external_id"),
    firstName: optString(body, "first_name"),
    lastName: optString(body, "last_name"),
    locale: optString(body, "locale"),
    username,
    primaryEmailAddressId: primaryEmail,
    primaryPhoneNumberId: primaryPhone,
    deleteSelfEnabled: optBoolean(body, "delete_self_enabled") ?? undefined,
    createOrganizationEnabled: optBoolean(body, "create_organization_enabled") ?? undefined,
    createOrganizationsLimit: optInteger(body, "create_organizations_limit"),
    bypassClientTrust: optBoolean(body, "bypass_client_trust") ?? undefined,
    createdAt: createdAt ?? undefined,
    legalAcceptedAt
  }
  const now = store.now()
  store.updateUser(user, changes)
  if (passwordChanged) {
    user.passwordEnabled = true
    user.passwordLastUpdatedAt = now
    user.passwordHash = password ? hashPassword(password) : null
  }
  user.updatedAt = now
  return userJson(store, user)
})

/**
 * `verify_password`: a password set in clear is checked against its hash; a user
 * without a password answers 400, a wrong password (or one set as a digest, which
 * the emulator cannot check) 422, the statuses the spec documents.
 */
const verifyPassword = sync((ctx) => {
  const user = userParam(ctx)
  const password = reqString(bodyObject(ctx.body), "password")
  if (!user.passwordEnabled)
    throw new ClerkApiError(400, "password_not_set", "no password", "The user does not have a password set.")
  if (!user.passwordHash || !passwordMatches(user.passwordHash, password))
    throw new ClerkApiError(
      422,
      "form_password_incorrect",
      "Password is incorrect.",
      "Password is incorrect. Try again, or use another method.",
      { param_name: "password" }
    )
  return { verified: true }
})

/** Deleting a user removes everything that belongs to them. */
const deleteUserCascade = (store: Store, user: UserRecord): void => {
  for (const i of store.identificationsOf(user.id)) store.identifications.delete(i.id)
  for (const m of store.membershipsOf(user.id)) store.memberships.delete(m.id)
  for (const s of [...store.sessions.values()]) if (s.userId === user.id) store.sessions.delete(s.id)
  store.users.delete(user.id)
  store.deletedUsers.set(user.id, user.createdAt)
}

const anyMatch = (values: ReadonlyArray<string>, candidates: ReadonlyArray<string | null>): boolean => {
  const wanted = new Set(values.map((v) => v.toLowerCase()))
  return candidates.some((c) => c !== null && wanted.has(c.toLowerCase()))
}

/**
 * The users the exact-match filters of a list allow at most, found through
 * the store's indexes instead of a scan; `undefined` when no such filter is
 * given. The list still checks every filter on each of them.
 */
const indexedCandidates = (
  store: Store,
  filters: {
    readonly emails: ReadonlyArray<string>
    readonly phones: ReadonlyArray<string>
    readonly externalIds: ReadonlyArray<string>
    readonly usernames: ReadonlyArray<string>
    readonly userIds: ReadonlyArray<string>
    readonly organizationIds: ReadonlyArray<string>
  }
): Iterable<UserRecord> | undefined => {
  const owner = (userId: string) => store.users.get(userId) ?? []
  const byIdentifier = (kind: "email_address" | "phone_number", values: ReadonlyArray<string>) =>
    values.flatMap((v) => {
      const found = store.findIdentification(kind, v)
      return found === undefined ? [] : owner(found.userId)
    })
  const narrowed = [
    [filters.userIds, () => filters.userIds.flatMap(owner)],
    [filters.externalIds, () => filters.externalIds.flatMap((id) => [...store.usersWithExternalId(id)])],
    [filters.usernames, () => filters.usernames.flatMap((name) => store.findUserByUsername(name) ?? [])],
    [filters.emails, () => byIdentifier("email_address", filters.emails)],
    [filters.phones, () => byIdentifier("phone_number", filters.phones)],
    [
      filters.organizationIds,
      () => filters.organizationIds.flatMap((id) => store.membershipsIn(id).flatMap((m) => owner(m.userId)))
    ]
  ] as const
  const given = narrowed.find(([values]) => values.length > 0)
  return given === undefined ? undefined : new Set(given[1]())
}

/** The filters `GET /users` and `GET /users/count` share. */
const filterUsers = (store: Store, q: URLSearchParams): Array<UserRecord> => {
  const emails = queryList(q, "email_address")
  const phones = queryList(q, "phone_number")
  const externalIds = queryIdFilter(q, "external_id")
  const usernames = queryList(q, "username")
  const userIds = queryIdFilter(q, "user_id")
  const organizationIds = queryIdFilter(q, "organization_id")
  // No user of the emulator has web3 wallets or external accounts.
  const unsupported =
    queryList(q, "web3_wallet").length > 0 || q.has("provider") || queryList(q, "provider_user_id").length > 0
  const query = queryString(q, "query")
  const emailQuery = queryString(q, "email_address_query")
  const phoneQuery = queryString(q, "phone_number_query")
  const usernameQuery = queryString(q, "username_query")
  const nameQuery = queryString(q, "name_query")
  const banned = queryBoolean(q, "banned")
  const range = (key: string) => queryInteger(q, key)
  const bounds: ReadonlyArray<
    readonly [(u: UserRecord) => number | null, number | undefined, "before" | "after"]
  > = [
    [(u) => u.createdAt, range("created_at_before"), "before"],
    [(u) => u.createdAt, range("created_at_after"), "after"],
    [(u) => u.lastActiveAt, range("last_active_at_before"), "before"],
    [(u) => u.lastActiveAt, range("last_active_at_after") ?? range("last_active_at_since"), "after"],
    [(u) => u.lastSignInAt, range("last_sign_in_at_before"), "before"],
    [(u) => u.lastSignInAt, range("last_sign_in_at_after"), "after"]
  ]
  if (unsupported) return []

  const candidates =
    // Only included ids narrow the candidates; excluded ones are checked on each.
    indexedCandidates(store, {
      emails,
      phones,
      externalIds: externalIds.include,
      usernames,
      userIds: userIds.include,
      organizationIds: organizationIds.include
    }) ?? store.users.values()
  return [...candidates].filter((u) => {
    const emailValues = store.identificationsOf(u.id, "email_address").map((i) => i.value)
    const phoneValues = store.identificationsOf(u.id, "phone_number").map((i) => i.value)
    const fullName = [u.firstName, u.lastName].filter((n) => n !== null).join(" ")
    if (emails.length > 0 && !anyMatch(emails, emailValues)) return false
    if (phones.length > 0 && !anyMatch(phones, phoneValues)) return false
    if (!passesIdFilter(externalIds, [u.externalId])) return false
    if (usernames.length > 0 && !anyMatch(usernames, [u.username])) return false
    if (!passesIdFilter(userIds, [u.id])) return false
    if (
      !passesIdFilter(
        organizationIds,
        store.membershipsOf(u.id).map((m) => m.organizationId)
      )
    ) {
      return false
    }
    if (banned !== undefined && u.banned !== banned) return false
    if (emailQuery !== undefined && !emailValues.some((e) => containsFold(e, emailQuery))) return false
    if (phoneQuery !== undefined && !phoneValues.some((p) => containsFold(p, phoneQuery))) return false
    if (usernameQuery !== undefined && !containsFold(u.username, usernameQuery)) return false
    if (nameQuery !== undefined && !containsFold(fullName, nameQuery)) return false
    if (
      query !== undefined &&
      ![
        u.id,
        u.username,
        u.firstName,
        u.lastName,
        fullName,
        u.externalId,
        ...emailValues,
        ...phoneValues
      ].some((v) => containsFold(v, query))
    ) {
      return false
    }
    for (const [field, bound, side] of bounds) {
      if (bound === undefined) continue
      const value = field(u)
      if (value === null || (side === "before" ? value >= bound : value <= bound)) return false
    }
    return true
  })
}

const primaryValue = (store: Store, id: string | null): string | null =>
  (id !== null && store.identifications.get(id)?.value) || null

/**
 * The `starting_after` cursor of `GET /users`: the `created_at` and id of the
 * last user of the previous page. Only the `created_at` orderings take one, as
 * they are the only ones unique (ties broken by id) and immutable per user.
 */
const startingAfter = (
  store: Store,
  q: URLSearchParams,
  p: Page
): { readonly createdAt: number; readonly id: string; readonly descending: boolean } | undefined => {
  const cursor = queryString(q, "starting_after")
  if (cursor === undefined) return undefined
  const order = q.get("order_by") ?? "-created_at"
  if (order.replace(/^[+-]/, "") !== "created_at") {
    throw paramInvalid("starting_after", "starting_after requires ordering by created_at.")
  }
  if (p.offset !== 0) {
    throw paramInvalid("starting_after", "starting_after cannot be combined with a non-zero offset.")
  }
  // A user deleted since it ended a page still marks where the next page starts.
  const createdAt = store.users.get(cursor)?.createdAt ?? store.deletedUsers.get(cursor)
  if (createdAt === undefined) {
    throw paramInvalid("starting_after", "starting_after must be the id of a user.")
  }
  return { createdAt, id: cursor, descending: order.startsWith("-") }
}

const listUsers = sync((ctx) => {
  const { store, query } = ctx
  const p = page(query)
  const cursor = startingAfter(store, query, p)
  const sorted = orderBy(
    query,
    filterUsers(store, query),
    {
      created_at: (u) => u.createdAt,
      updated_at: (u) => u.updatedAt,
      email_address: (u) => primaryValue(store, u.primaryEmailAddressId),
      web3wallet: () => null,
      first_name: (u) => u.firstName,
      last_name: (u) => u.lastName,
      phone_number: (u) => primaryValue(store, u.primaryPhoneNumberId),
      username: (u) => u.username,
      last_active_at: (u) => u.lastActiveAt,
      last_sign_in_at: (u) => u.lastSignInAt
    },
    "-created_at"
  )
  // orderBy breaks created_at ties by id in the same direction, so "after" compares both.
  const after =
    cursor === undefined
      ? sorted
      : sorted.filter((u) => {
          const later = u.createdAt === cursor.createdAt ? u.id > cursor.id : u.createdAt > cursor.createdAt
          return u.id !== cursor.id && later !== cursor.descending
        })
  return paginate(after, p).map((u) => userJson(store, u))
})

const countUsers = sync((ctx) => ({
  object: "total_count",
  total_count: filterUsers(ctx.store, ctx.query).length
}))

const patchUser = (change: (user: UserRecord, body: JsonObject) => void): Handler =>
  sync((ctx) => {
    const user = userParam(ctx)
    change(user, bodyObject(ctx.body))
    user.updatedAt = ctx.store.now()
    return userJson(ctx.store, user)
  })

/** Banning a user revokes every session they have, as the spec's ban operation says. */
const ban = (store: Store, user: UserRecord, now: number): void => {
  user.banned = true
  user.updatedAt = now
  for (const session of store.sessions.values()) {
    if (session.userId === user.id && session.status === "active") {
      session.status = "revoked"
      session.updatedAt = now
    }
  }
}

const bulk = (banned: boolean): Handler =>
  sync((ctx) => {
    const ids = optStringArray(bodyObject(ctx.body), "user_ids") ?? []
    if (ids.length < 1 || ids.length > 50)
      throw paramInvalid("user_ids", "user_ids must hold between 1 and 50 ids.")
    const users = ids.map((id) => findUser(ctx.store, id))
    const now = ctx.store.now()
    for (const user of users) {
      if (banned) ban(ctx.store, user, now)
      else {
        user.banned = false
        user.updatedAt = now
      }
    }
    return users.map((u) => userJson(ctx.store, u))
  })

type MetadataField = "publicMetadata" | "privateMetadata" | "unsafeMetadata"

/** All three metadata fields of a body, read (and validated) before any is applied. */
const readMetadata = (
  read: (key: string, field: MetadataField) => Metadata | undefined
): Array<readonly [MetadataField, Metadata]> => {
  const fields = [
    ["public_metadata", "publicMetadata"],
    ["private_metadata", "privateMetadata"],
    ["unsafe_metadata", "unsafeMetadata"]
  ] as const
  return fields.flatMap(([key, field]) => {
    const value = read(key, field)
    return value === undefined ? [] : [[field, value] as const]
  })
}

export const handlers: Record<string, Handler> = {
  GetUserList: listUsers,
  GetUsersCount: countUsers,
  CreateUser: createUser,
  GetUser: sync((ctx) => userJson(ctx.store, userParam(ctx))),
  UpdateUser: updateUser,
  VerifyPassword: verifyPassword,
  DeleteUser: sync((ctx) => {
    const user = userParam(ctx)
    deleteUserCascade(ctx.store, user)
    return deletedJson("user", user.id)
  }),
  BanUser: sync((ctx) => {
    const user = userParam(ctx)
    ban(ctx.store, user, ctx.store.now())
    return userJson(ctx.store, user)
  }),
  UnbanUser: patchUser((u) => {
    u.banned = false
  }),
  UsersBan: bulk(true),
  UsersUnban: bulk(false),
  LockUser: patchUser((u) => {
    u.locked = true
  }),
  UnlockUser: patchUser((u) => {
    u.locked = false
  }),
  SetUserProfileImage: patchUser((u, body) => {
    reqFile(body, "file")
    u.imageId = makeId("img")
  }),
  DeleteUserProfileImage: patchUser((u) => {
    u.imageId = null
  }),
  UpdateUserMetadata: patchUser((u, body) => {
    for (const [field, value] of readMetadata((key, field) => mergedMetadata(body, key, u[field])))
      u[field] = value
  }),
  ReplaceUserMetadata: patchUser((u, body) => {
    for (const [field, value] of readMetadata((key) => optMetadata(body, key))) u[field] = value
  }),
  UsersGetOrganizationMemberships: sync((ctx) => {
    const memberships = orderBy(
      ctx.query,
      ctx.store.membershipsOf(param(ctx, "user_id")),
      { created_at: (m) => m.createdAt },
      "-created_at"
    )
    return {
      data: paginate(memberships, page(ctx.query)).map((m) => membershipJson(ctx.store, m)),
      total_count: memberships.length
    }
  })
}
