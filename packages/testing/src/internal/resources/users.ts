import { Effect } from "effect"
import type { Handler, HandlerContext, Handlers, Params } from "../context.js"
import { apiError, type ClerkApiError, paramInvalid } from "../errors.js"
import { addIdentification, assertAvailable } from "./identifications.js"
import { makeId } from "../ids.js"
import { hashPassword, passwordMatches } from "../passwords.js"
import { findUser } from "../lookups.js"
import {
  containsFold,
  fileOf,
  idFilter,
  setMetadata,
  metadata,
  type Page,
  pageOf,
  paginate,
  passesIdFilter,
  sortBy,
  timestampOf
} from "../params.js"
import { assertMaySignUp } from "./restrictions.js"
import { deletedJson, membershipJson, userJson } from "../serialize.js"
import type { Store, UserRecord } from "../store.js"

const usernameOf = (store: Store, raw: string, self?: string): Effect.Effect<string, ClerkApiError> => {
  const username = raw.trim().toLowerCase()
  if (username.length < 4 || username.length > 64) {
    return Effect.fail(
      apiError(
        422,
        "form_username_invalid_length",
        "Username must be between 4 and 64 characters long.",
        "Username must be between 4 and 64 characters long.",
        { param_name: "username" }
      )
    )
  }
  if (!/^[a-z0-9_-]+$/.test(username)) {
    return Effect.fail(
      apiError(
        422,
        "form_username_invalid_character",
        "Username can only contain letters, numbers and '_' or '-'.",
        "Username can only contain letters, numbers and '_' or '-'.",
        { param_name: "username" }
      )
    )
  }
  const other = store.findUserByUsername(username)
  if (other !== undefined && other.id !== self) {
    return Effect.fail(
      apiError(
        422,
        "form_identifier_exists",
        "That username is taken. Please try another.",
        "That username is taken. Please try another.",
        { param_name: "username" }
      )
    )
  }
  return Effect.succeed(username)
}

const checkPassword = (password: string, skipChecks: boolean): Effect.Effect<void, ClerkApiError> =>
  !skipChecks && password.length < 8
    ? Effect.fail(
        apiError(
          422,
          "form_password_length_too_short",
          "Passwords must be 8 characters or more.",
          "Passwords must be 8 characters or more.",
          { param_name: "password" }
        )
      )
    : Effect.void

const createUser: Handler<"CreateUser"> = (params, { store }) =>
  Effect.gen(function* () {
    const emails = yield* Effect.forEach(params.emailAddress ?? [], (e) =>
      assertAvailable(store, "email_address", e)
    )
    const phones = yield* Effect.forEach(params.phoneNumber ?? [], (p) =>
      assertAvailable(store, "phone_number", p)
    )
    if (new Set(emails).size !== emails.length)
      return yield* paramInvalid("email_address", "An email address is listed twice.")
    if (new Set(phones).size !== phones.length)
      return yield* paramInvalid("phone_number", "A phone number is listed twice.")
    yield* assertMaySignUp(store, [
      ...emails.map((value) => ({ kind: "email_address" as const, value })),
      ...phones.map((value) => ({ kind: "phone_number" as const, value }))
    ])
    const username = params.username ? yield* usernameOf(store, params.username) : null
    const { password, passwordDigest } = params
    if (password) yield* checkPassword(password, params.skipPasswordChecks === true)
    const publicMetadata = yield* metadata("public_metadata", params.publicMetadata)
    const privateMetadata = yield* metadata("private_metadata", params.privateMetadata)
    const unsafeMetadata = yield* metadata("unsafe_metadata", params.unsafeMetadata)
    const legalAcceptedAt = yield* timestampOf("legal_accepted_at", params.legalAcceptedAt)
    const now = store.now()
    const createdAt = (yield* timestampOf("created_at", params.createdAt)) ?? now
    const user: UserRecord = {
      id: store.newId("user"),
      externalId: params.externalId ?? null,
      username,
      firstName: params.firstName ?? null,
      lastName: params.lastName ?? null,
      locale: params.locale ?? null,
      passwordEnabled: Boolean(password || passwordDigest),
      passwordLastUpdatedAt: password || passwordDigest ? now : null,
      passwordHash: password ? hashPassword(password) : null,
      primaryEmailAddressId: null,
      primaryPhoneNumberId: null,
      publicMetadata: publicMetadata ?? {},
      privateMetadata: privateMetadata ?? {},
      unsafeMetadata: unsafeMetadata ?? {},
      banned: params.banned ?? false,
      locked: params.locked ?? false,
      deleteSelfEnabled: params.deleteSelfEnabled ?? true,
      createOrganizationEnabled: params.createOrganizationEnabled ?? true,
      createOrganizationsLimit: params.createOrganizationsLimit ?? null,
      bypassClientTrust: params.bypassClientTrust ?? false,
      legalAcceptedAt: legalAcceptedAt ?? null,
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

/**
 * `verify_password`: a password set in clear is checked against its hash; a user
 * without a password answers 400, a wrong password (or one set as a digest, which
 * the emulator cannot check) 422, the statuses the spec documents.
 */
const verifyPassword: Handler<"VerifyPassword"> = (params, { store }) =>
  Effect.flatMap(findUser(store, params.userId), (user) => {
    if (!user.passwordEnabled)
      return Effect.fail(
        apiError(400, "password_not_set", "no password", "The user does not have a password set.")
      )
    if (!user.passwordHash || !passwordMatches(user.passwordHash, params.password))
      return Effect.fail(
        apiError(
          422,
          "form_password_incorrect",
          "Password is incorrect.",
          "Password is incorrect. Try again, or use another method.",
          { param_name: "password" }
        )
      )
    return Effect.succeed({ verified: true })
  })

const updateUser: Handler<"UpdateUser"> = (params, { store }) =>
  Effect.gen(function* () {
    const user = yield* findUser(store, params.userId)
    const primaryOf = (
      key: string,
      id: string | null | undefined,
      kind: "email_address" | "phone_number"
    ): Effect.Effect<string | undefined, ClerkApiError> => {
      if (id === undefined || id === null) return Effect.succeed(undefined)
      const found = store.identifications.get(id)
      return found === undefined || found.userId !== user.id || found.kind !== kind
        ? Effect.fail(
            paramInvalid(key, `${key} must be the id of one of the user's ${kind.replace("_", " ")}es.`)
          )
        : Effect.succeed(id)
    }
    const primaryEmail = yield* primaryOf(
      "primary_email_address_id",
      params.primaryEmailAddressId,
      "email_address"
    )
    const primaryPhone = yield* primaryOf(
      "primary_phone_number_id",
      params.primaryPhoneNumberId,
      "phone_number"
    )
    // An empty or null username clears it.
    const username =
      params.username === undefined
        ? undefined
        : params.username
          ? yield* usernameOf(store, params.username, user.id)
          : null
    const { password } = params
    if (password) yield* checkPassword(password, params.skipPasswordChecks === true)
    const createdAt = yield* timestampOf("created_at", params.createdAt)
    const legalAcceptedAt = yield* timestampOf("legal_accepted_at", params.legalAcceptedAt)
    const passwordChanged = Boolean(password || params.passwordDigest)
    // Every field is read (and validated) before any is written, so a rejected request changes nothing.
    const changes: { [K in keyof UserRecord]?: UserRecord[K] | undefined } = {
      externalId: params.externalId,
      firstName: params.firstName,
      lastName: params.lastName,
      locale: params.locale,
      username,
      primaryEmailAddressId: primaryEmail,
      primaryPhoneNumberId: primaryPhone,
      deleteSelfEnabled: params.deleteSelfEnabled ?? undefined,
      createOrganizationEnabled: params.createOrganizationEnabled ?? undefined,
      createOrganizationsLimit: params.createOrganizationsLimit,
      bypassClientTrust: params.bypassClientTrust ?? undefined,
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
const filterUsers = (store: Store, params: Params<"GetUsersCount">): Array<UserRecord> => {
  const emails = params.emailAddress ?? []
  const phones = params.phoneNumber ?? []
  const externalIds = idFilter(params.externalId ?? [])
  const usernames = params.username ?? []
  const userIds = idFilter(params.userId ?? [])
  const organizationIds = idFilter(params.organizationId ?? [])
  // No user of the emulator has web3 wallets or external accounts.
  const unsupported =
    (params.web3Wallet ?? []).length > 0 ||
    params.provider !== undefined ||
    (params.providerUserId ?? []).length > 0
  const {
    query,
    emailAddressQuery: emailQuery,
    phoneNumberQuery: phoneQuery,
    usernameQuery,
    nameQuery,
    banned
  } = params
  const bounds: ReadonlyArray<
    readonly [(u: UserRecord) => number | null, number | undefined, "before" | "after"]
  > = [
    [(u) => u.createdAt, params.createdAtBefore, "before"],
    [(u) => u.createdAt, params.createdAtAfter, "after"],
    [(u) => u.lastActiveAt, params.lastActiveAtBefore, "before"],
    [(u) => u.lastActiveAt, params.lastActiveAtAfter ?? params.lastActiveAtSince, "after"],
    [(u) => u.lastSignInAt, params.lastSignInAtBefore, "before"],
    [(u) => u.lastSignInAt, params.lastSignInAtAfter, "after"]
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
  params: Params<"GetUserList">,
  p: Page
): Effect.Effect<
  { readonly createdAt: number; readonly id: string; readonly descending: boolean } | undefined,
  ClerkApiError
> => {
  const cursor = params.startingAfter
  if (cursor === undefined) return Effect.succeed(undefined)
  const order = params.orderBy ?? "-created_at"
  if (order.replace(/^[+-]/, "") !== "created_at")
    return Effect.fail(paramInvalid("starting_after", "starting_after requires ordering by created_at."))
  if (p.offset !== 0)
    return Effect.fail(
      paramInvalid("starting_after", "starting_after cannot be combined with a non-zero offset.")
    )
  // A user deleted since it ended a page still marks where the next page starts.
  const createdAt = store.users.get(cursor)?.createdAt ?? store.deletedUsers.get(cursor)
  return createdAt === undefined
    ? Effect.fail(paramInvalid("starting_after", "starting_after must be the id of a user."))
    : Effect.succeed({ createdAt, id: cursor, descending: order.startsWith("-") })
}

const listUsers: Handler<"GetUserList"> = (params, { store }) =>
  Effect.gen(function* () {
    const p = pageOf(params)
    const cursor = yield* startingAfter(store, params, p)
    const sorted = yield* sortBy(
      params.orderBy,
      filterUsers(store, params),
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
    // sortBy breaks created_at ties by id in the same direction, so "after" compares both.
    const after =
      cursor === undefined
        ? sorted
        : sorted.filter((u) => {
            const later = u.createdAt === cursor.createdAt ? u.id > cursor.id : u.createdAt > cursor.createdAt
            return u.id !== cursor.id && later !== cursor.descending
          })
    return paginate(after, p).map((u) => userJson(store, u))
  })

/** Applies `change` to the user the path names and answers the user. */
const patchUser =
  <P extends { readonly userId: string }>(
    change: (user: UserRecord, params: P) => Effect.Effect<void, ClerkApiError>
  ) =>
  (params: P, { store }: HandlerContext) =>
    Effect.gen(function* () {
      const user = yield* findUser(store, params.userId)
      yield* change(user, params)
      user.updatedAt = store.now()
      return userJson(store, user)
    })

const set = (change: (user: UserRecord) => void) => patchUser((user) => Effect.sync(() => change(user)))

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

const bulk =
  (banned: boolean) =>
  (params: Params<"UsersBan">, { store }: HandlerContext) =>
    Effect.gen(function* () {
      const users = yield* Effect.forEach(params.userIds, (id) => findUser(store, id))
      const now = store.now()
      for (const user of users) {
        if (banned) ban(store, user, now)
        else {
          user.banned = false
          user.updatedAt = now
        }
      }
      return users.map((u) => userJson(store, u))
    })

const updateMetadata = (how: "merge" | "replace") =>
  patchUser((user, params: Params<"ReplaceUserMetadata">) =>
    setMetadata(user, params, ["publicMetadata", "privateMetadata", "unsafeMetadata"], how)
  )

export const handlers: Handlers = {
  GetUserList: listUsers,
  GetUsersCount: (params, { store }) =>
    Effect.sync(() => ({ object: "total_count", total_count: filterUsers(store, params).length })),
  CreateUser: createUser,
  GetUser: (params, { store }) => Effect.map(findUser(store, params.userId), (user) => userJson(store, user)),
  UpdateUser: updateUser,
  VerifyPassword: verifyPassword,
  DeleteUser: (params, { store }) =>
    Effect.map(findUser(store, params.userId), (user) => {
      deleteUserCascade(store, user)
      return deletedJson("user", user.id)
    }),
  BanUser: (params, { store }) =>
    Effect.map(findUser(store, params.userId), (user) => {
      ban(store, user, store.now())
      return userJson(store, user)
    }),
  UnbanUser: set((u) => {
    u.banned = false
  }),
  UsersBan: bulk(true),
  UsersUnban: bulk(false),
  LockUser: set((u) => {
    u.locked = true
  }),
  UnlockUser: set((u) => {
    u.locked = false
  }),
  SetUserProfileImage: patchUser((u, params: Params<"SetUserProfileImage">) =>
    Effect.map(fileOf("file", params.file), () => {
      u.imageId = makeId("img")
    })
  ),
  DeleteUserProfileImage: set((u) => {
    u.imageId = null
  }),
  UpdateUserMetadata: updateMetadata("merge"),
  ReplaceUserMetadata: updateMetadata("replace"),
  UsersGetOrganizationMemberships: (params, { store }) =>
    Effect.map(
      sortBy(
        undefined,
        store.membershipsOf(params.userId),
        { created_at: (m) => m.createdAt },
        "-created_at"
      ),
      (memberships) => ({
        data: paginate(memberships, pageOf(params)).map((m) => membershipJson(store, m)),
        total_count: memberships.length
      })
    )
}
