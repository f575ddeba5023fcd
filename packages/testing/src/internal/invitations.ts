import { type RawHandler, param, sync } from "./context.js"
import { apiError, identifierExists, notFound, paramFormatInvalid, paramInvalid } from "./errors.js"
import { randomBase62 } from "./ids.js"
import {
  bodyArray,
  bodyObject,
  containsFold,
  dayMillis,
  expiresInDays,
  type JsonObject,
  normalizeEmail,
  optBoolean,
  optMetadata,
  optString,
  orderBy,
  page,
  listAnswer,
  queryInvitationStatus,
  queryString,
  reqString
} from "./params.js"
import { assertMaySignUp } from "./restrictions.js"
import { invitationJson } from "./serialize.js"
import type { InvitationRecord, Store } from "./store.js"

const parseUrl = (raw: string): URL => {
  try {
    return new URL(raw)
  } catch {
    throw paramFormatInvalid("redirect_url", "redirect_url must be an absolute URL.")
  }
}

/** Reads and validates one invitation; nothing is stored until the whole request is valid. */
const readInvitation = (
  store: Store,
  body: JsonObject,
  now: number,
  batch: ReadonlyArray<InvitationRecord>
) => {
  const emailAddress = normalizeEmail(reqString(body, "email_address"))
  assertMaySignUp(store, [{ kind: "email_address", value: emailAddress }])
  const ignoreExisting = optBoolean(body, "ignore_existing") ?? false
  if (!ignoreExisting) {
    if (store.findIdentification("email_address", emailAddress) !== undefined) {
      throw identifierExists("email_address", "email address")
    }
    const pending = [...store.invitations.values(), ...batch].some(
      (i) => i.emailAddress === emailAddress && i.status === "pending"
    )
    if (pending) {
      throw apiError(
        422,
        "duplicate_record",
        "duplicate invitation",
        `There is already a pending invitation for ${emailAddress}.`,
        { param_name: "email_address" }
      )
    }
  }
  const redirectUrl = optString(body, "redirect_url")
  const id = store.newId("inv")
  const url = parseUrl(redirectUrl ?? "https://accounts.emulator.local/sign-up")
  url.searchParams.set("__clerk_ticket", randomBase62(40))
  const record: InvitationRecord = {
    id,
    emailAddress,
    publicMetadata: optMetadata(body, "public_metadata") ?? {},
    url: url.toString(),
    status: "pending",
    expiresAt: now + expiresInDays(body, 30) * dayMillis,
    createdAt: now,
    updatedAt: now
  }
  return record
}

export const handlers: Record<string, RawHandler> = {
  CreateInvitation: sync((ctx) => {
    const record = readInvitation(ctx.store, bodyObject(ctx.body), ctx.store.now(), [])
    ctx.store.invitations.set(record.id, record)
    return invitationJson(record)
  }),
  CreateBulkInvitations: sync((ctx) => {
    const bodies = bodyArray(ctx.body)
    if (bodies.length < 1 || bodies.length > 10) {
      throw paramInvalid("body", "Between 1 and 10 invitations can be created at once.")
    }
    const records: Array<InvitationRecord> = []
    // Each its own timestamp, as separate inserts get: `order_by=created_at` keeps the request's order.
    for (const body of bodies) records.push(readInvitation(ctx.store, body, ctx.store.now(), records))
    for (const record of records) ctx.store.invitations.set(record.id, record)
    return records.map(invitationJson)
  }),
  ListInvitations: sync((ctx) => {
    const p = page(ctx.query)
    const status = queryInvitationStatus(ctx.query)
    const text = queryString(ctx.query, "query")
    const matching = [...ctx.store.invitations.values()].filter(
      (i) =>
        // Without a status filter, revoked invitations are left out, as the spec's GET /invitations says.
        (status === undefined ? i.status !== "revoked" : i.status === status) &&
        (text === undefined || containsFold(i.emailAddress, text))
    )
    const sorted = orderBy(
      ctx.query,
      matching,
      {
        created_at: (i) => i.createdAt,
        email_address: (i) => i.emailAddress,
        expires_at: (i) => i.expiresAt
      },
      "-created_at"
    )
    return listAnswer(ctx.query, p, sorted, invitationJson)
  }),
  RevokeInvitation: sync((ctx) => {
    const invitation = ctx.store.invitations.get(param(ctx, "invitation_id"))
    if (invitation === undefined) throw notFound("invitation")
    if (invitation.status !== "pending") {
      throw apiError(
        400,
        "invitation_not_pending",
        "not pending",
        "Only pending invitations can be revoked.",
        {}
      )
    }
    invitation.status = "revoked"
    invitation.updatedAt = ctx.store.now()
    return invitationJson(invitation)
  })
}
