/**
 * The webhook events each operation's success makes, as named in Clerk's webhooks
 * spec, and their payloads: the answer itself for most, with what the event adds
 * to it (a session's user) or, for the emails and SMS Clerk would send, the
 * message the operation put in the outbox. Creating an organization for a user
 * also makes that user its first member.
 */
import { isRecord } from "./shape.js"
import type { OutboxMessage, Store } from "./store.js"
import { membershipJson, userJson } from "./serialize.js"

export interface Event {
  readonly type: string
  readonly data: unknown
}

type Payload = (answer: unknown, store: Store) => unknown

const asAnswered: Payload = (answer) => answer

const field = (answer: unknown, name: string): unknown => (isRecord(answer) ? answer[name] : undefined)

/** Session events carry the session's user as well. */
const withUser: Payload = (answer, store) => {
  const user = store.users.get(String(field(answer, "user_id")))
  return { ...(answer as object), user: user === undefined ? null : userJson(store, user) }
}

const emailJson = (message: OutboxMessage) => ({
  object: "email",
  id: message.id,
  slug: "verification_code",
  from_email_name: "notifications",
  reply_to_email_name: null,
  to_email_address: message.to,
  email_address_id: message.identificationId,
  user_id: message.userId,
  subject: `${message.code} is your verification code`,
  body: `<p>Your verification code is <strong>${message.code}</strong>.</p>`,
  body_plain: `Your verification code is ${message.code}.`,
  status: "queued",
  data: { otp_code: message.code },
  delivered_by_clerk: true
})

const smsJson = (message: OutboxMessage) => ({
  object: "sms_message",
  id: message.id,
  slug: "verification_code",
  from_phone_number: "+15555550000",
  to_phone_number: message.to,
  phone_number_id: message.identificationId,
  user_id: message.userId,
  message: `${message.code} is your verification code.`,
  status: "queued",
  data: { otp_code: message.code },
  delivered_by_clerk: true,
  created_at_ms: message.createdAt
})

/** The message a `prepare_verification` sent: the one of the verification it answered. */
const sent =
  (json: (message: OutboxMessage) => unknown): Payload =>
  (answer, store) => {
    const message = store.outbox.find((m) => m.verificationId === field(answer, "id"))
    return message === undefined ? undefined : json(message)
  }

/** What an operation's answer emits. */
type Emit = (answer: unknown, store: Store) => ReadonlyArray<Event>

const event =
  (type: string, payload: Payload = asAnswered): Emit =>
  (answer, store) => {
    const data = payload(answer, store)
    return data === undefined ? [] : [{ type, data }]
  }

/** The creator's membership, made with the organization. */
const creatorMembership: Emit = (answer, store) =>
  store.membershipsIn(String(field(answer, "id"))).map((membership) => ({
    type: "organizationMembership.created",
    data: membershipJson(store, membership)
  }))

const emits: Record<string, Emit> = {}
const on = (emit: Emit, ...operationIds: ReadonlyArray<string>) => {
  for (const operationId of operationIds) emits[operationId] = emit
}

on(event("user.created"), "CreateUser")
on(
  event("user.updated"),
  "UpdateUser",
  "UpdateUserMetadata",
  "ReplaceUserMetadata",
  "BanUser",
  "UnbanUser",
  "LockUser",
  "UnlockUser",
  "SetUserProfileImage",
  "DeleteUserProfileImage"
)
on(event("user.deleted"), "DeleteUser")
on(event("email.created", sent(emailJson)), "PrepareEmailAddressVerification")
on(event("sms.created", sent(smsJson)), "PreparePhoneNumberVerification")
on(
  (answer, store) => [...event("organization.created")(answer, store), ...creatorMembership(answer, store)],
  "CreateOrganization"
)
on(
  event("organization.updated"),
  "UpdateOrganization",
  "MergeOrganizationMetadata",
  "ReplaceOrganizationMetadata",
  "UploadOrganizationLogo",
  "DeleteOrganizationLogo"
)
on(event("organization.deleted"), "DeleteOrganization")
on(event("organizationMembership.created"), "CreateOrganizationMembership")
on(
  event("organizationMembership.updated"),
  "UpdateOrganizationMembership",
  "UpdateOrganizationMembershipMetadata"
)
on(event("organizationMembership.deleted"), "DeleteOrganizationMembership")
on(event("organizationInvitation.created"), "CreateOrganizationInvitation")
on(event("organizationInvitation.revoked"), "RevokeOrganizationInvitation")
on(event("organizationDomain.created"), "CreateOrganizationDomain")
on(event("organizationDomain.updated"), "UpdateOrganizationDomain")
on(event("organizationDomain.deleted"), "DeleteOrganizationDomain")
on(event("session.created", withUser), "createSession")
on(event("session.revoked", withUser), "RevokeSession")
on(event("role.created"), "CreateOrganizationRole")
on(
  event("role.updated"),
  "UpdateOrganizationRole",
  "AssignPermissionToOrganizationRole",
  "RemovePermissionFromOrganizationRole"
)
on(event("role.deleted"), "DeleteOrganizationRole")
on(event("permission.created"), "CreateOrganizationPermission")
on(event("permission.updated"), "UpdateOrganizationPermission")
on(event("permission.deleted"), "DeleteOrganizationPermission")
on(event("waitlistEntry.created"), "CreateWaitlistEntry")
on(event("waitlistEntry.updated"), "InviteWaitlistEntry", "RejectWaitlistEntry")

/** The events `operationId`'s `answer` makes, if it makes any. */
export const eventsOf = (operationId: string, answer: unknown, store: Store): ReadonlyArray<Event> =>
  emits[operationId]?.(answer, store) ?? []
