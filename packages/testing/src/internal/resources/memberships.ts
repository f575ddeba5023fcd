import { Effect } from "effect"
import type { Handlers, Params } from "../context.js"
import { apiError, type ClerkApiError, notFound, paramInvalid } from "../errors.js"
import { findOrganization, findUser } from "../lookups.js"
import {
  containsFold,
  idFilter,
  setMetadata,
  metadata,
  pageOf,
  paginate,
  passesIdFilter,
  sortBy
} from "../params.js"
import { membershipJson } from "../serialize.js"
import type {
  MembershipRecord,
  Metadata,
  OrganizationInvitationRecord,
  OrganizationRecord,
  Store,
  UserRecord
} from "../store.js"

/** A role key the instance has: a default role or a custom one created through the API. */
export const checkRole = (store: Store, role: string): Effect.Effect<string, ClerkApiError> =>
  Effect.suspend(() => {
    if (store.findRole(role) !== undefined) return Effect.succeed(role)
    const keys = [...store.roles.values()].map((r) => r.key)
    return Effect.fail(paramInvalid("role", `role must be one of ${keys.join(", ")}.`))
  })

/**
 * Refuses `adding` more memberships or invitations where they would pass the
 * organization's `max_allowed_memberships` (0 is no limit): Clerk counts the
 * members and the pending invitations that have not expired, those `counted` keeps.
 */
export const assertMembershipRoom = (
  store: Store,
  organization: OrganizationRecord,
  adding: number,
  counted: (invitation: OrganizationInvitationRecord) => boolean = () => true
): Effect.Effect<void, ClerkApiError> => {
  const limit = organization.maxAllowedMemberships
  if (limit <= 0) return Effect.void
  const now = Date.now()
  let taken = store.membershipsIn(organization.id).length
  for (const i of store.organizationInvitations.values()) {
    if (i.organizationId === organization.id && i.status === "pending" && i.expiresAt > now && counted(i))
      taken++
  }
  return taken + adding > limit
    ? Effect.fail(
        apiError(
          403,
          "organization_membership_quota_exceeded",
          "organization membership quota exceeded",
          `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`
        )
      )
    : Effect.void
}

export const addMembership = (
  store: Store,
  organization: OrganizationRecord,
  user: UserRecord,
  role: string,
  publicMetadata: Metadata,
  privateMetadata: Metadata
): Effect.Effect<MembershipRecord, ClerkApiError> =>
  Effect.gen(function* () {
    if (store.findMembership(organization.id, user.id) !== undefined) {
      return yield* apiError(
        422,
        "already_a_member_in_organization",
        "already a member",
        `User ${user.id} is already a member of the organization.`
      )
    }
    const emails = new Set(store.identificationsOf(user.id, "email_address").map((i) => i.value))
    // The user's own pending invitation is the seat they take.
    yield* assertMembershipRoom(store, organization, 1, (i) => !emails.has(i.emailAddress))
    const now = store.now()
    const membership: MembershipRecord = {
      id: store.newId("orgmem"),
      organizationId: organization.id,
      userId: user.id,
      role,
      publicMetadata,
      privateMetadata,
      createdAt: now,
      updatedAt: now
    }
    store.memberships.set(membership.id, membership)
    return membership
  })

const managesMemberships = (store: Store, role: string): boolean =>
  store.permissionKeysOf(role).includes("org:sys_memberships:manage")

/**
 * Clerk keeps at least one member who can manage an organization's memberships:
 * the last one may be neither demoted (`nextRole`) nor removed (no `nextRole`).
 */
const assertKeepsAManager = (
  store: Store,
  membership: MembershipRecord,
  nextRole?: string
): Effect.Effect<void, ClerkApiError> => {
  if (!managesMemberships(store, membership.role)) return Effect.void
  if (nextRole !== undefined && managesMemberships(store, nextRole)) return Effect.void
  const another = store
    .membershipsIn(membership.organizationId)
    .some((m) => m.id !== membership.id && managesMemberships(store, m.role))
  return another
    ? Effect.void
    : Effect.fail(
        apiError(
          400,
          "organization_minimum_permissions_needed",
          "minimum organization permissions needed",
          "There has to be at least one organization member with the minimum required permissions"
        )
      )
}

const findMembershipOf = (store: Store, organizationId: string, userId: string) =>
  Effect.flatMap(findOrganization(store, organizationId), (organization) => {
    const membership = store.findMembership(organization.id, userId)
    return membership === undefined
      ? Effect.fail(notFound("organization membership"))
      : Effect.succeed(membership)
  })

const membershipPage = (
  store: Store,
  params: Params<"InstanceGetOrganizationMemberships">,
  memberships: ReadonlyArray<MembershipRecord>
) => {
  const user = (m: MembershipRecord) => store.users.get(m.userId)
  return Effect.map(
    sortBy(
      params.orderBy,
      memberships,
      {
        created_at: (m) => m.createdAt,
        first_name: (m) => user(m)?.firstName ?? null,
        last_name: (m) => user(m)?.lastName ?? null,
        username: (m) => user(m)?.username ?? null,
        email_address: (m) => {
          const id = user(m)?.primaryEmailAddressId
          return (id && store.identifications.get(id)?.value) || null
        },
        phone_number: (m) => {
          const id = user(m)?.primaryPhoneNumberId
          return (id && store.identifications.get(id)?.value) || null
        }
      },
      "-created_at"
    ),
    (sorted) => ({
      data: paginate(sorted, pageOf(params)).map((m) => membershipJson(store, m)),
      total_count: sorted.length
    })
  )
}

/** The user filters of `GET /organizations/{organization_id}/memberships`. */
const filterMembers = (
  store: Store,
  params: Params<"ListOrganizationMemberships">,
  memberships: ReadonlyArray<MembershipRecord>
) => {
  const userIds = idFilter(params.userId ?? [])
  const emails = (params.emailAddress ?? []).map((e) => e.toLowerCase())
  const phones = params.phoneNumber ?? []
  const usernames = (params.username ?? []).map((u) => u.toLowerCase())
  const rolesWanted = params.role ?? []
  const {
    query: text,
    emailAddressQuery: emailQuery,
    phoneNumberQuery: phoneQuery,
    usernameQuery,
    nameQuery,
    createdAtBefore: createdBefore,
    createdAtAfter: createdAfter,
    lastActiveAtBefore: activeBefore,
    lastActiveAtAfter: activeAfter
  } = params
  if ((params.web3Wallet ?? []).length > 0) return []
  return memberships.filter((m) => {
    const u = store.users.get(m.userId)
    if (u === undefined) return false
    const userEmails = store.identificationsOf(u.id, "email_address").map((i) => i.value)
    const userPhones = store.identificationsOf(u.id, "phone_number").map((i) => i.value)
    const name = [u.firstName, u.lastName].filter((n) => n !== null).join(" ")
    return (
      passesIdFilter(userIds, [u.id]) &&
      (emails.length === 0 || userEmails.some((e) => emails.includes(e))) &&
      (phones.length === 0 || userPhones.some((p) => phones.includes(p))) &&
      (usernames.length === 0 || (u.username !== null && usernames.includes(u.username))) &&
      (rolesWanted.length === 0 || rolesWanted.includes(m.role)) &&
      (emailQuery === undefined || userEmails.some((e) => containsFold(e, emailQuery))) &&
      (phoneQuery === undefined || userPhones.some((p) => containsFold(p, phoneQuery))) &&
      (usernameQuery === undefined || containsFold(u.username, usernameQuery)) &&
      (nameQuery === undefined || containsFold(name, nameQuery)) &&
      (text === undefined ||
        [u.id, u.username, name, ...userEmails, ...userPhones].some((v) => containsFold(v, text))) &&
      (createdBefore === undefined || m.createdAt < createdBefore) &&
      (createdAfter === undefined || m.createdAt > createdAfter) &&
      (activeBefore === undefined || (u.lastActiveAt !== null && u.lastActiveAt < activeBefore)) &&
      (activeAfter === undefined || (u.lastActiveAt !== null && u.lastActiveAt > activeAfter))
    )
  })
}

export const handlers: Handlers = {
  CreateOrganizationMembership: (params, { store }) =>
    Effect.gen(function* () {
      const organization = yield* findOrganization(store, params.organizationId)
      const user = yield* findUser(store, params.userId)
      const role = yield* checkRole(store, params.role)
      const publicMetadata = yield* metadata("public_metadata", params.publicMetadata ?? undefined)
      const privateMetadata = yield* metadata("private_metadata", params.privateMetadata ?? undefined)
      const membership = yield* addMembership(
        store,
        organization,
        user,
        role,
        publicMetadata ?? {},
        privateMetadata ?? {}
      )
      return membershipJson(store, membership)
    }),
  ListOrganizationMemberships: (params, { store }) =>
    Effect.flatMap(findOrganization(store, params.organizationId), (organization) =>
      membershipPage(store, params, filterMembers(store, params, store.membershipsIn(organization.id)))
    ),
  InstanceGetOrganizationMemberships: (params, { store }) =>
    membershipPage(store, params, [...store.memberships.values()]),
  UpdateOrganizationMembership: (params, { store }) =>
    Effect.gen(function* () {
      const membership = yield* findMembershipOf(store, params.organizationId, params.userId)
      const role = yield* checkRole(store, params.role)
      yield* assertKeepsAManager(store, membership, role)
      membership.role = role
      membership.updatedAt = store.now()
      return membershipJson(store, membership)
    }),
  UpdateOrganizationMembershipMetadata: (params, { store }) =>
    Effect.gen(function* () {
      const membership = yield* findMembershipOf(store, params.organizationId, params.userId)
      yield* setMetadata(membership, params, ["publicMetadata", "privateMetadata"], "merge")
      membership.updatedAt = store.now()
      return membershipJson(store, membership)
    }),
  DeleteOrganizationMembership: (params, { store }) =>
    Effect.gen(function* () {
      const membership = yield* findMembershipOf(store, params.organizationId, params.userId)
      yield* assertKeepsAManager(store, membership)
      store.memberships.delete(membership.id)
      return membershipJson(store, membership)
    })
}
