/**
 * Every webhook event the emulator emits, received by a real endpoint on
 * loopback, verified by the auth package's `Webhooks.verify` (signature and
 * timestamp) and decoded to its typed event from Clerk's webhooks spec.
 */
import { createServer } from "node:http"
import { type WebhookEvents, Webhooks } from "@effect-clerk/auth"
import {
  ClerkClient,
  EmailAddresses,
  OrganizationDomains,
  OrganizationInvitations,
  OrganizationMemberships,
  OrganizationPermissions,
  OrganizationRoles,
  Organizations,
  PhoneNumbers,
  Sessions,
  Users,
  WaitlistEntries
} from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schedule } from "effect"

interface Received {
  readonly headers: Record<string, string | undefined>
  readonly body: string
}

/** An endpoint on 127.0.0.1 that keeps every delivery as it arrived and answers 204. */
const endpoint = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly close: () => void }>(
    (resume) => {
      const received: Array<Received> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const headers: Record<string, string | undefined> = {}
          for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value)
          received.push({ headers, body: Buffer.concat(chunks).toString() })
          res.writeHead(204).end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({ url: `http://127.0.0.1:${port}/hooks`, received, close: () => server.close() })
        )
      })
    }
  ),
  (server) => Effect.sync(server.close)
)

const TestClerk = ClerkClient.layer({ secretKey: Redacted.make("sk_test_emulator") }).pipe(
  Layer.provideMerge(ClerkEmulator.layer)
)

/** The spec leaves some models' `id` optional; the emulator always answers one. */
const idOf = (model: { readonly id?: string | undefined }): string => {
  if (model.id === undefined) throw new Error("the emulator answered a model without an id")
  return model.id
}

/** The id an event is about: `data.id`, which every event type's payload carries. */
const subjectOf = (event: WebhookEvents.WebhookEvent): unknown => (event.data as { readonly id?: unknown }).id

describe("webhook events", () => {
  it.scopedLive(
    "each event type the emulator emits verifies with Webhooks.verify and decodes to its typed event",
    () =>
      Effect.gen(function* () {
        const hooks = yield* endpoint
        const emulator = yield* ClerkEmulator.ClerkEmulator
        const { secret } = yield* emulator.addWebhookEndpoint(hooks.url)

        // Each step below, in order, with the events it must make and the id they are about.
        const expected: Array<readonly [type: string, id: string]> = []
        const expect_ = (type: string, id: string) => expected.push([type, id])

        const ada = yield* Users.create({ emailAddress: ["ada@example.com"], firstName: "Ada" })
        expect_("user.created", ada.id)
        yield* Users.update({ userId: ada.id, lastName: "Lovelace" })
        expect_("user.updated", ada.id)

        const email = yield* EmailAddresses.create({ userId: ada.id, emailAddress: "ada@work.example.com" })
        yield* EmailAddresses.prepareVerification({ emailAddressId: idOf(email) })
        const phone = yield* PhoneNumbers.create({ userId: ada.id, phoneNumber: "+15555550100" })
        yield* PhoneNumbers.prepareVerification({ phoneNumberId: idOf(phone) })
        const [sentEmail, sentSms] = yield* emulator.outbox
        expect_("email.created", sentEmail?.id ?? "no email sent")
        expect_("sms.created", sentSms?.id ?? "no SMS sent")

        const org = yield* Organizations.create({ name: "Analytical Engines", createdBy: ada.id })
        expect_("organization.created", org.id)
        const admin = (yield* OrganizationMemberships.list({ organizationId: org.id })).data[0]
        expect_("organizationMembership.created", admin?.id ?? "no creator membership")
        yield* Organizations.update({ organizationId: org.id, name: "Difference Engines" })
        expect_("organization.updated", org.id)

        const grace = yield* Users.create({ emailAddress: ["grace@example.com"] })
        expect_("user.created", grace.id)
        const membership = yield* OrganizationMemberships.create({
          organizationId: org.id,
          userId: grace.id,
          role: "org:member"
        })
        expect_("organizationMembership.created", membership.id)
        yield* OrganizationMemberships.update({ organizationId: org.id, userId: grace.id, role: "org:admin" })
        expect_("organizationMembership.updated", membership.id)
        yield* OrganizationMemberships.delete({ organizationId: org.id, userId: grace.id })
        expect_("organizationMembership.deleted", membership.id)

        const invitation = yield* OrganizationInvitations.create({
          organizationId: org.id,
          emailAddress: "charles@example.com",
          role: "org:member"
        })
        expect_("organizationInvitation.created", invitation.id)
        yield* OrganizationInvitations.revoke({ organizationId: org.id, invitationId: invitation.id })
        expect_("organizationInvitation.revoked", invitation.id)

        const domain = yield* OrganizationDomains.create({
          organizationId: org.id,
          name: "engines.example.com",
          enrollmentMode: "automatic_invitation"
        })
        expect_("organizationDomain.created", domain.id)
        yield* OrganizationDomains.update({
          organizationId: org.id,
          domainId: domain.id,
          enrollmentMode: "manual_invitation"
        })
        expect_("organizationDomain.updated", domain.id)
        yield* OrganizationDomains.delete({ organizationId: org.id, domainId: domain.id })
        expect_("organizationDomain.deleted", domain.id)

        const permission = yield* OrganizationPermissions.create({
          name: "Read invoices",
          key: "org:invoices:read",
          description: "Reads invoices"
        })
        expect_("permission.created", permission.id)
        yield* OrganizationPermissions.update({ permissionId: permission.id, name: "Read all invoices" })
        expect_("permission.updated", permission.id)
        const role = yield* OrganizationRoles.create({
          name: "Accountant",
          key: "org:accountant",
          description: "Keeps the books"
        })
        expect_("role.created", role.id)
        yield* OrganizationRoles.update({ organizationRoleId: role.id, name: "Bookkeeper" })
        expect_("role.updated", role.id)
        yield* OrganizationRoles.delete({ organizationRoleId: role.id })
        expect_("role.deleted", role.id)
        yield* OrganizationPermissions.delete({ permissionId: permission.id })
        expect_("permission.deleted", permission.id)

        const session = yield* Sessions.create({ userId: ada.id })
        expect_("session.created", session.id)
        yield* Sessions.revoke({ sessionId: session.id })
        expect_("session.revoked", session.id)

        const entry = yield* WaitlistEntries.create({ emailAddress: "lovelace@example.com" })
        expect_("waitlistEntry.created", entry.id)
        yield* WaitlistEntries.reject({ waitlistEntryId: entry.id })
        expect_("waitlistEntry.updated", entry.id)

        yield* Organizations.delete({ organizationId: org.id })
        expect_("organization.deleted", org.id)
        yield* Users.delete({ userId: grace.id })
        expect_("user.deleted", grace.id)

        // Deliveries run in the background; wait until every one has arrived (or, failing that,
        // compare what has, so the difference shows).
        yield* Effect.sync(() => hooks.received.length).pipe(
          Effect.repeat({
            until: (count) => count >= expected.length,
            schedule: Schedule.spaced("20 millis")
          }),
          Effect.timeoutOption("10 seconds")
        )
        // A delivery that fails verification shows as its type and the reason, not its 45-member parse tree.
        const delivered = yield* Effect.forEach(hooks.received, (delivery) =>
          Webhooks.verify(delivery.body, delivery.headers, { secret }).pipe(
            Effect.map((event) => [event.type, subjectOf(event)] as const),
            Effect.catchAll((error) =>
              Effect.succeed([String(JSON.parse(delivery.body).type), `refused: ${error.reason}`] as const)
            )
          )
        )
        // Deliveries of different events may overtake each other on the wire.
        const byOrder = (a: readonly [string, unknown], b: readonly [string, unknown]) =>
          `${a[0]} ${String(a[1])}`.localeCompare(`${b[0]} ${String(b[1])}`)
        expect([...delivered].sort(byOrder)).toEqual([...expected].sort(byOrder))
      }).pipe(Effect.provide(TestClerk))
  )
})
