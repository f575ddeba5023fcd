import { type RawHandler, type RawContext, param, sync } from "./context.js"
import { apiError, notFound, paramInvalid } from "./errors.js"
import { findUser, organizationParam, userParam } from "./lookups.js"
import { assertMembershipRoom, checkRole } from "./memberships.js"
import {
  bodyArray,
  bodyObject,
  containsFold,
  dayMillis,
  expiresInDays,
  type JsonObject,
  normalizeEmail,
  optMetadata,
  optString,
  orderBy,
  page,
  paginate,
  queryInvitationStatus,
  queryString,
  reqString
} from "./params.js"
import { organizationInvitationJson } from "./serialize.js"
import type { OrganizationInvitationRecord, OrganizationRecord, Store } from "./store.js"

/** Reads and validates one invitation; the caller stores it only once the whole request is valid. */
const readInvitation = (
  store: Store,
  organization: OrganizationRecord,
  body: JsonObject,
  now: number
): OrganizationInvitationRecord => {
  const emailAddress = normalizeEmail(reqString(body, "email_address"))
  const role = checkRole(store, reqString(body, "role"))
  const inviterId = optString(body, "inviter_user_id") ?? null
  if (inviterId !== null) findUser(store, inviterId)
  const existing = store.findIdentification("email_address", emailAddress)
  if (existing !== undefined && store.findMembership(organization.id, existing.userId) !== undefined) {
    throw apiError(
      422,
      "already_a_member_in_organization",
      "already a member",
      `${emailAddress} is already a member of the organization.`,
      { param_name: "email_address" }
    )
  }
  return {
    id: store.newId("orginv"),
    organizationId: organization.id,
    emailAddress,
    role,
    inviterId,
    status: "pending",
    publicMetadata: optMetadata(body, "public_metadata") ?? {},
    privateMetadata: optMetadata(body, "private_metadata") ?? {},
    expiresAt: now + expiresInDays(body, 30) * dayMillis,
    createdAt: now,
    updatedAt: now
  }
}

const invitationsOf = (store: Store, organizationId: string): Array<OrganizationInvitationRecord> =>
  [...store.organizationInvitations.values()].filter((i) => i.organizationId === organizationId)

const listed = (
  ctx: RawContext,
  invitations: ReadonlyArray<OrganizationInvitationRecord>,
  withOrganization: boolean
): unknown => {
  const p = page(ctx.query)
  const status = queryInvitationStatus(ctx.query)
  const text = queryString(ctx.query, "query")
  const email = queryString(ctx.query, "email_address")?.toLowerCase()
  const matching = invitations.filter(
    (i) =>
      (status === undefined || i.status === status) &&
      (email === undefined || i.emailAddress === email) &&
      (text === undefined || containsFold(i.emailAddress, text))
  )
  const sorted = orderBy(
    ctx.query,
    matching,
    { created_at: (i) => i.createdAt, email_address: (i) => i.emailAddress },
    "-created_at"
  )
  return {
    data: paginate(sorted, p).map((i) => organizationInvitationJson(ctx.store, i, { withOrganization })),
    total_count: sorted.length
  }
}

const invitationParam = (ctx: RawContext): OrganizationInvitationRecord => {
  const organization = organizationParam(ctx)
  const invitation = ctx.store.organizationInvitations.get(param(ctx, "invitation_id"))
  if (invitation === undefined || invitation.organizationId !== organization.id) {
    throw notFound("organization invitation")
  }
  return invitation
}

export const handlers: Record<string, RawHandler> = {
  CreateOrganizationInvitation: sync((ctx) => {
    const now = ctx.store.now()
    const organization = organizationParam(ctx)
    const invitation = readInvitation(ctx.store, organization, bodyObject(ctx.body), now)
    assertMembershipRoom(ctx.store, organization, 1)
    ctx.store.organizationInvitations.set(invitation.id, invitation)
    return organizationInvitationJson(ctx.store, invitation)
  }),
  CreateOrganizationInvitationBulk: sync((ctx) => {
    const organization = organizationParam(ctx)
    const bodies = bodyArray(ctx.body)
    if (bodies.length < 1 || bodies.length > 10) {
      throw paramInvalid("body", "Between 1 and 10 invitations can be created at once.")
    }
    // Each its own timestamp, as separate inserts get: `order_by=created_at` keeps the request's order.
    const invitations = bodies.map((body) => readInvitation(ctx.store, organization, body, ctx.store.now()))
    assertMembershipRoom(ctx.store, organization, invitations.length)
    for (const invitation of invitations) ctx.store.organizationInvitations.set(invitation.id, invitation)
    return {
      data: invitations.map((i) => organizationInvitationJson(ctx.store, i)),
      total_count: invitations.length
    }
  }),
  ListOrganizationInvitations: sync((ctx) =>
    listed(ctx, invitationsOf(ctx.store, organizationParam(ctx).id), false)
  ),
  ListPendingOrganizationInvitations: sync((ctx) =>
    listed(
      ctx,
      invitationsOf(ctx.store, organizationParam(ctx).id).filter((i) => i.status === "pending"),
      false
    )
  ),
  ListInstanceOrganizationInvitations: sync((ctx) =>
    listed(ctx, [...ctx.store.organizationInvitations.values()], true)
  ),
  UsersGetOrganizationInvitations: sync((ctx) => {
    const emails = new Set(
      ctx.store.identificationsOf(userParam(ctx).id, "email_address").map((i) => i.value)
    )
    return listed(
      ctx,
      [...ctx.store.organizationInvitations.values()].filter((i) => emails.has(i.emailAddress)),
      true
    )
  }),
  GetOrganizationInvitation: sync((ctx) => organizationInvitationJson(ctx.store, invitationParam(ctx))),
  RevokeOrganizationInvitation: sync((ctx) => {
    const invitation = invitationParam(ctx)
    if (invitation.status !== "pending") {
      throw apiError(
        400,
        "organization_invitation_not_pending",
        "not pending",
        "Only pending organization invitations can be revoked.",
        {}
      )
    }
    invitation.status = "revoked"
    invitation.updatedAt = ctx.store.now()
    return organizationInvitationJson(ctx.store, invitation)
  })
}
