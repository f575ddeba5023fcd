import { Effect } from "effect"
import type { Handlers, Params } from "../context.js"
import { apiError, notFound } from "../errors.js"
import { findOrganization, findUser } from "../lookups.js"
import { assertMembershipRoom, checkRole } from "./memberships.js"
import { containsFold, dayMillis, emailOf, metadata, pageOf, paginate, sortBy } from "../params.js"
import { organizationInvitationJson } from "../serialize.js"
import type { InvitationStatus, OrganizationInvitationRecord, OrganizationRecord, Store } from "../store.js"

type InvitationParams = Params<"CreateOrganizationInvitationBulk">["body"][number]

/** Reads and validates one invitation; the caller stores it only once the whole request is valid. */
const readInvitation = (store: Store, organization: OrganizationRecord, params: InvitationParams) =>
  Effect.gen(function* () {
    const emailAddress = yield* emailOf(params.emailAddress)
    const role = yield* checkRole(store, params.role)
    const inviterId = params.inviterUserId ?? null
    if (inviterId !== null) yield* findUser(store, inviterId)
    const existing = store.findIdentification("email_address", emailAddress)
    if (existing !== undefined && store.findMembership(organization.id, existing.userId) !== undefined) {
      return yield* apiError(
        422,
        "already_a_member_in_organization",
        "already a member",
        `${emailAddress} is already a member of the organization.`,
        { param_name: "email_address" }
      )
    }
    const publicMetadata = yield* metadata("public_metadata", params.publicMetadata ?? undefined)
    const privateMetadata = yield* metadata("private_metadata", params.privateMetadata ?? undefined)
    // Each its own timestamp, as separate inserts get: `order_by=created_at` keeps a bulk request's order.
    const now = store.now()
    const record: OrganizationInvitationRecord = {
      id: store.newId("orginv"),
      organizationId: organization.id,
      emailAddress,
      role,
      inviterId,
      status: "pending",
      publicMetadata: publicMetadata ?? {},
      privateMetadata: privateMetadata ?? {},
      expiresAt: now + (params.expiresInDays ?? 30) * dayMillis,
      createdAt: now,
      updatedAt: now
    }
    return record
  })

const invitationsOf = (store: Store, organizationId: string): Array<OrganizationInvitationRecord> =>
  [...store.organizationInvitations.values()].filter((i) => i.organizationId === organizationId)

/** The filters the invitation lists share; each list takes some of them. */
interface ListParams {
  readonly status?: InvitationStatus | ReadonlyArray<InvitationStatus> | undefined
  readonly query?: string | undefined
  readonly emailAddress?: string | undefined
  readonly orderBy?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

const listed = (
  store: Store,
  params: ListParams,
  invitations: ReadonlyArray<OrganizationInvitationRecord>,
  withOrganization: boolean
) => {
  const statuses: ReadonlyArray<InvitationStatus> =
    params.status === undefined ? [] : typeof params.status === "string" ? [params.status] : params.status
  const text = params.query
  const email = params.emailAddress?.toLowerCase()
  const matching = invitations.filter(
    (i) =>
      (statuses.length === 0 || statuses.includes(i.status)) &&
      (email === undefined || i.emailAddress === email) &&
      (text === undefined || containsFold(i.emailAddress, text))
  )
  return Effect.map(
    sortBy(
      params.orderBy,
      matching,
      { created_at: (i) => i.createdAt, email_address: (i) => i.emailAddress },
      "-created_at"
    ),
    (sorted) => ({
      data: paginate(sorted, pageOf(params)).map((i) =>
        organizationInvitationJson(store, i, { withOrganization })
      ),
      total_count: sorted.length
    })
  )
}

const findInvitation = (store: Store, organizationId: string, invitationId: string) =>
  Effect.flatMap(findOrganization(store, organizationId), (organization) => {
    const invitation = store.organizationInvitations.get(invitationId)
    return invitation === undefined || invitation.organizationId !== organization.id
      ? Effect.fail(notFound("organization invitation"))
      : Effect.succeed(invitation)
  })

export const handlers: Handlers = {
  CreateOrganizationInvitation: (params, { store }) =>
    Effect.gen(function* () {
      const organization = yield* findOrganization(store, params.organizationId)
      const invitation = yield* readInvitation(store, organization, params)
      yield* assertMembershipRoom(store, organization, 1)
      store.organizationInvitations.set(invitation.id, invitation)
      return organizationInvitationJson(store, invitation)
    }),
  CreateOrganizationInvitationBulk: (params, { store }) =>
    Effect.gen(function* () {
      const organization = yield* findOrganization(store, params.organizationId)
      const invitations: Array<OrganizationInvitationRecord> = []
      for (const one of params.body) invitations.push(yield* readInvitation(store, organization, one))
      yield* assertMembershipRoom(store, organization, invitations.length)
      for (const invitation of invitations) store.organizationInvitations.set(invitation.id, invitation)
      return {
        data: invitations.map((i) => organizationInvitationJson(store, i)),
        total_count: invitations.length
      }
    }),
  ListOrganizationInvitations: (params, { store }) =>
    Effect.flatMap(findOrganization(store, params.organizationId), (organization) =>
      listed(store, params, invitationsOf(store, organization.id), false)
    ),
  ListPendingOrganizationInvitations: (params, { store }) =>
    Effect.flatMap(findOrganization(store, params.organizationId), (organization) =>
      listed(
        store,
        params,
        invitationsOf(store, organization.id).filter((i) => i.status === "pending"),
        false
      )
    ),
  ListInstanceOrganizationInvitations: (params, { store }) =>
    listed(store, params, [...store.organizationInvitations.values()], true),
  UsersGetOrganizationInvitations: (params, { store }) =>
    Effect.flatMap(findUser(store, params.userId), (user) => {
      const emails = new Set(store.identificationsOf(user.id, "email_address").map((i) => i.value))
      return listed(
        store,
        params,
        [...store.organizationInvitations.values()].filter((i) => emails.has(i.emailAddress)),
        true
      )
    }),
  GetOrganizationInvitation: (params, { store }) =>
    Effect.map(findInvitation(store, params.organizationId, params.invitationId), (invitation) =>
      organizationInvitationJson(store, invitation)
    ),
  RevokeOrganizationInvitation: (params, { store }) =>
    Effect.gen(function* () {
      const invitation = yield* findInvitation(store, params.organizationId, params.invitationId)
      if (invitation.status !== "pending") {
        return yield* apiError(
          400,
          "organization_invitation_not_pending",
          "not pending",
          "Only pending organization invitations can be revoked."
        )
      }
      invitation.status = "revoked"
      invitation.updatedAt = store.now()
      return organizationInvitationJson(store, invitation)
    })
}
