import { Effect } from "effect"
import type { Handlers, Params } from "../context.js"
import { apiError, type ClerkApiError, identifierExists, notFound, paramFormatInvalid } from "../errors.js"
import { randomBase62 } from "../ids.js"
import { containsFold, dayMillis, emailOf, listed, metadata, pageOf, sortBy } from "../params.js"
import { assertMaySignUp } from "./restrictions.js"
import { invitationJson } from "../serialize.js"
import type { InvitationRecord, Store } from "../store.js"

const parseUrl = (raw: string): Effect.Effect<URL, ClerkApiError> =>
  Effect.try({
    try: () => new URL(raw),
    catch: () => paramFormatInvalid("redirect_url", "redirect_url must be an absolute URL.")
  })

type InvitationParams = Params<"CreateBulkInvitations">["body"][number]

/** Reads and validates one invitation; nothing is stored until the whole request is valid. */
const readInvitation = (store: Store, params: InvitationParams, batch: ReadonlyArray<InvitationRecord>) =>
  Effect.gen(function* () {
    const emailAddress = yield* emailOf(params.emailAddress)
    yield* assertMaySignUp(store, [{ kind: "email_address", value: emailAddress }])
    if (params.ignoreExisting !== true) {
      if (store.findIdentification("email_address", emailAddress) !== undefined)
        return yield* identifierExists("email_address", "email address")
      const pending = [...store.invitations.values(), ...batch].some(
        (i) => i.emailAddress === emailAddress && i.status === "pending"
      )
      if (pending) {
        return yield* apiError(
          422,
          "duplicate_record",
          "duplicate invitation",
          `There is already a pending invitation for ${emailAddress}.`,
          { param_name: "email_address" }
        )
      }
    }
    const url = yield* parseUrl(params.redirectUrl ?? "https://accounts.emulator.local/sign-up")
    url.searchParams.set("__clerk_ticket", randomBase62(40))
    const publicMetadata = yield* metadata("public_metadata", params.publicMetadata ?? undefined)
    // Each its own timestamp, as separate inserts get: `order_by=created_at` keeps a bulk request's order.
    const now = store.now()
    const record: InvitationRecord = {
      id: store.newId("inv"),
      emailAddress,
      publicMetadata: publicMetadata ?? {},
      url: url.toString(),
      status: "pending",
      expiresAt: now + (params.expiresInDays ?? 30) * dayMillis,
      createdAt: now,
      updatedAt: now
    }
    return record
  })

export const handlers: Handlers = {
  CreateInvitation: (params, { store }) =>
    Effect.map(readInvitation(store, params, []), (record) => {
      store.invitations.set(record.id, record)
      return invitationJson(record)
    }),
  CreateBulkInvitations: (params, { store }) =>
    Effect.gen(function* () {
      const records: Array<InvitationRecord> = []
      for (const one of params.body) records.push(yield* readInvitation(store, one, records))
      for (const record of records) store.invitations.set(record.id, record)
      return records.map(invitationJson)
    }),
  ListInvitations: (params, { store }) =>
    Effect.gen(function* () {
      const statuses = params.status ?? []
      const text = params.query
      const matching = [...store.invitations.values()].filter(
        (i) =>
          // Without a status filter, revoked invitations are left out, as the spec's GET /invitations says.
          (statuses.length === 0 ? i.status !== "revoked" : statuses.includes(i.status)) &&
          (text === undefined || containsFold(i.emailAddress, text))
      )
      const sorted = yield* sortBy(
        params.orderBy,
        matching,
        {
          created_at: (i) => i.createdAt,
          email_address: (i) => i.emailAddress,
          expires_at: (i) => i.expiresAt
        },
        "-created_at"
      )
      return listed(params, pageOf(params), sorted, invitationJson)
    }),
  RevokeInvitation: (params, { store }) =>
    Effect.gen(function* () {
      const invitation = store.invitations.get(params.invitationId)
      if (invitation === undefined) return yield* notFound("invitation")
      if (invitation.status !== "pending")
        return yield* apiError(
          400,
          "invitation_not_pending",
          "not pending",
          "Only pending invitations can be revoked."
        )
      invitation.status = "revoked"
      invitation.updatedAt = store.now()
      return invitationJson(invitation)
    })
}
