import { type RawHandler, type RawContext, param, sync } from "./context.js"
import { apiError, notFound, paramInvalid } from "./errors.js"
import { findUser, organizationParam } from "./lookups.js"
import {
  bodyObject,
  containsFold,
  mergedMetadata,
  optMetadata,
  orderBy,
  page,
  paginate,
  passesIdFilter,
  queryIdFilter,
  queryInteger,
  queryList,
  queryString,
  reqString
} from "./params.js"
import { membershipJson } from "./serialize.js"
import type {
  MembershipRecord,
  Metadata,
  OrganizationInvitationRecord,
  OrganizationRecord,
  Store,
  UserRecord
} from "./store.js"

/** A role key the instance has: a default role or a custom one created through the API. */
export const checkRole = (store: Store, role: string): string => {
  if (store.findRole(role) === undefined) {
    const keys = [...store.roles.values()].map((r) => r.key)
    throw paramInvalid("role", `role must be one of ${keys.join(", ")}.`)
  }
  return role
}

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
): void => {
  const limit = organization.maxAllowedMemberships
  if (limit <= 0) return
  const now = Date.now()
  let taken = store.membershipsIn(organization.id).length
  for (const i of store.organizationInvitations.values()) {
    if (i.organizationId === organization.id && i.status === "pending" && i.expiresAt > now && counted(i))
      taken++
  }
  if (taken + adding > limit) {
    throw apiError(
      403,
      "organization_membership_quota_exceeded",
      "organization membership quota exceeded",
      `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`
    )
  }
}

export const addMembership = (
  store: Store,
  organization: OrganizationRecord,
  user: UserRecord,
  role: string,
  publicMetadata: Metadata,
  privateMetadata: Metadata
): MembershipRecord => {
  if (store.findMembership(organization.id, user.id) !== undefined) {
    throw apiError(
      422,
      "already_a_member_in_organization",
      "already a member",
      `User ${user.id} is already a member of the organization.`,
      {}
    )
  }
  const emails = new Set(store.identificationsOf(user.id, "email_address").map((i) => i.value))
  // The user's own pending invitation is the seat they take.
  assertMembershipRoom(store, organization, 1, (i) => !emails.has(i.emailAddress))
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
}

const managesMemberships = (store: Store, role: string): boolean =>
  store.permissionKeysOf(role).includes("org:sys_memberships:manage")

/**
 * Clerk keeps at least one member who can manage an organization's memberships:
 * the last one may be neither demoted (`nextRole`) nor removed (no `nextRole`).
 */
const assertKeepsAManager = (store: Store, membership: MembershipRecord, nextRole?: string): void => {
  if (!managesMemberships(store, membership.role)) return
  if (nextRole !== undefined && managesMemberships(store, nextRole)) return
  const another = store
    .membershipsIn(membership.organizationId)
    .some((m) => m.id !== membership.id && managesMemberships(store, m.role))
  if (!another) {
    throw apiError(
      400,
      "organization_minimum_permissions_needed",
      "minimum organization permissions needed",
      "There has to be at least one organization member with the minimum required permissions"
    )
  }
}

const membershipParam = (ctx: RawContext): MembershipRecord => {
  const organization = organizationParam(ctx)
  const membership = ctx.store.findMembership(organization.id, param(ctx, "user_id"))
  if (membership === undefined) throw notFound("organization membership")
  return membership
}

const listed = (ctx: RawContext, memberships: ReadonlyArray<MembershipRecord>): unknown => {
  const { store, query } = ctx
  const p = page(query)
  const user = (m: MembershipRecord) => store.users.get(m.userId)
  const sorted = orderBy(
    query,
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
  )
  return { data: paginate(sorted, p).map((m) => membershipJson(store, m)), total_count: sorted.length }
}

/** The user filters of `GET /organizations/{organization_id}/memberships`. */
const filterMembers = (ctx: RawContext, memberships: ReadonlyArray<MembershipRecord>) => {
  const { store, query: q } = ctx
  const userIds = queryIdFilter(q, "user_id")
  const emails = queryList(q, "email_address").map((e) => e.toLowerCase())
  const phones = queryList(q, "phone_number")
  const usernames = queryList(q, "username").map((u) => u.toLowerCase())
  const rolesWanted = queryList(q, "role")
  const text = queryString(q, "query")
  const emailQuery = queryString(q, "email_address_query")
  const phoneQuery = queryString(q, "phone_number_query")
  const usernameQuery = queryString(q, "username_query")
  const nameQuery = queryString(q, "name_query")
  const createdBefore = queryInteger(q, "created_at_before")
  const createdAfter = queryInteger(q, "created_at_after")
  const activeBefore = queryInteger(q, "last_active_at_before")
  const activeAfter = queryInteger(q, "last_active_at_after")
  if (queryList(q, "web3_wallet").length > 0) return []
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

export const handlers: Record<string, RawHandler> = {
  CreateOrganizationMembership: sync((ctx) => {
    const organization = organizationParam(ctx)
    const body = bodyObject(ctx.body)
    const user = findUser(ctx.store, reqString(body, "user_id"))
    const role = checkRole(ctx.store, reqString(body, "role"))
    const membership = addMembership(
      ctx.store,
      organization,
      user,
      role,
      optMetadata(body, "public_metadata") ?? {},
      optMetadata(body, "private_metadata") ?? {}
    )
    return membershipJson(ctx.store, membership)
  }),
  ListOrganizationMemberships: sync((ctx) => {
    const organization = organizationParam(ctx)
    return listed(ctx, filterMembers(ctx, ctx.store.membershipsIn(organization.id)))
  }),
  InstanceGetOrganizationMemberships: sync((ctx) => listed(ctx, [...ctx.store.memberships.values()])),
  UpdateOrganizationMembership: sync((ctx) => {
    const membership = membershipParam(ctx)
    const role = checkRole(ctx.store, reqString(bodyObject(ctx.body), "role"))
    assertKeepsAManager(ctx.store, membership, role)
    membership.role = role
    membership.updatedAt = ctx.store.now()
    return membershipJson(ctx.store, membership)
  }),
  UpdateOrganizationMembershipMetadata: sync((ctx) => {
    const membership = membershipParam(ctx)
    const body = bodyObject(ctx.body)
    const publicMetadata = mergedMetadata(body, "public_metadata", membership.publicMetadata)
    const privateMetadata = mergedMetadata(body, "private_metadata", membership.privateMetadata)
    if (publicMetadata) membership.publicMetadata = publicMetadata
    if (privateMetadata) membership.privateMetadata = privateMetadata
    membership.updatedAt = ctx.store.now()
    return membershipJson(ctx.store, membership)
  }),
  DeleteOrganizationMembership: sync((ctx) => {
    const membership = membershipParam(ctx)
    assertKeepsAManager(ctx.store, membership)
    ctx.store.memberships.delete(membership.id)
    return membershipJson(ctx.store, membership)
  })
}
