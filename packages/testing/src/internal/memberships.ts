import { type Handler, type HandlerContext, param, sync } from "./context.js"
import { ClerkApiError, notFound, paramInvalid } from "./errors.js"
import { findUser, organizationParam } from "./lookups.js"
import {
  bodyObject,
  containsFold,
  mergeMetadata,
  optMetadata,
  orderBy,
  page,
  paginate,
  queryInteger,
  queryList,
  queryString,
  reqString
} from "./params.js"
import { membershipJson } from "./serialize.js"
import type { MembershipRecord, Metadata, OrganizationRecord, Store, UserRecord } from "./store.js"

/** A role key the instance has: a default role or a custom one created through the API. */
export const checkRole = (store: Store, role: string): string => {
  if (store.findRole(role) === undefined) {
    const keys = [...store.roles.values()].map((r) => r.key)
    throw paramInvalid("role", `role must be one of ${keys.join(", ")}.`)
  }
  return role
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
    throw new ClerkApiError(
      422,
      "already_a_member_in_organization",
      "already a member",
      `User ${user.id} is already a member of the organization.`,
      {}
    )
  }
  const count = store.membershipsIn(organization.id).length
  if (organization.maxAllowedMemberships > 0 && count >= organization.maxAllowedMemberships) {
    throw new ClerkApiError(
      403,
      "organization_membership_quota_exceeded",
      "Membership quota exceeded",
      `The organization has reached its limit of ${organization.maxAllowedMemberships} memberships.`,
      {}
    )
  }
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

const membershipParam = (ctx: HandlerContext): MembershipRecord => {
  const organization = organizationParam(ctx)
  const membership = ctx.store.findMembership(organization.id, param(ctx, "user_id"))
  if (membership === undefined) throw notFound("organization membership")
  return membership
}

const listed = (ctx: HandlerContext, memberships: ReadonlyArray<MembershipRecord>): unknown => {
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
const filterMembers = (ctx: HandlerContext, memberships: ReadonlyArray<MembershipRecord>) => {
  const { store, query: q } = ctx
  const userIds = queryList(q, "user_id")
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
      (userIds.length === 0 || userIds.includes(u.id)) &&
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

export const handlers: Record<string, Handler> = {
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
    membership.role = checkRole(ctx.store, reqString(bodyObject(ctx.body), "role"))
    membership.updatedAt = ctx.store.now()
    return membershipJson(ctx.store, membership)
  }),
  UpdateOrganizationMembershipMetadata: sync((ctx) => {
    const membership = membershipParam(ctx)
    const body = bodyObject(ctx.body)
    const publicMetadata = optMetadata(body, "public_metadata")
    const privateMetadata = optMetadata(body, "private_metadata")
    if (publicMetadata) membership.publicMetadata = mergeMetadata(membership.publicMetadata, publicMetadata)
    if (privateMetadata)
      membership.privateMetadata = mergeMetadata(membership.privateMetadata, privateMetadata)
    membership.updatedAt = ctx.store.now()
    return membershipJson(ctx.store, membership)
  }),
  DeleteOrganizationMembership: sync((ctx) => {
    const membership = membershipParam(ctx)
    ctx.store.memberships.delete(membership.id)
    return membershipJson(ctx.store, membership)
  })
}
