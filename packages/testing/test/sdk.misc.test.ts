import { AdminPortalLinkTokens, Organizations, SignUps, Users, Webhooks } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// Sign-ups, the Svix app behind Clerk's webhooks, and admin portal link tokens through the SDK.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Sign-ups, Svix and admin portal links through the SDK", (it) => {
  it.effect("a sign-up (made by a client, so seeded) is read and updated by id; unknown ids answer 404", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const seeded = yield* emulator.seedResource("/sign_ups", {
        object: "sign_up_attempt",
        status: "missing_requirements",
        email_address: "new@signup.test",
        missing_fields: ["password"]
      })
      expect(yield* SignUps.get({ id: seeded.id })).toMatchObject({
        id: seeded.id,
        status: "missing_requirements",
        emailAddress: "new@signup.test",
        missingFields: ["password"]
      })
      const updated = yield* SignUps.update({ id: seeded.id, externalId: "crm-42" })
      expect(updated).toMatchObject({ id: seeded.id, externalId: "crm-42" })
      expect((yield* SignUps.get({ id: seeded.id })).externalId).toBe("crm-42")
      expect(yield* Effect.flip(SignUps.get({ id: "sua_missing" }))).toMatchObject(notFound)
    })
  )

  it.effect("the Svix app: created, its dashboard URL generated, deleted", () =>
    Effect.gen(function* () {
      const created = yield* Webhooks.createSvixApp({})
      expect(created.svixUrl).toEqual(expect.any(String))
      expect((yield* Webhooks.generateSvixAuthURL({})).svixUrl).toEqual(expect.any(String))
      yield* Webhooks.deleteSvixApp({})
    })
  )

  it.effect("an admin portal link token names its organization and is revoked", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ firstName: "IT" })
      const org = yield* Organizations.create({ name: "Portal", createdBy: owner.id })
      const link = yield* AdminPortalLinkTokens.createAdminPortalLinkToken({
        organizationId: org.id,
        secondsUntilExpiration: 600
      })
      expect(link).toMatchObject({
        object: "admin_portal_link_token",
        organizationId: org.id,
        revoked: false
      })
      expect(link.expiration).toBeGreaterThan(link.createdAt)
      const revoked = yield* AdminPortalLinkTokens.revokeAdminPortalLinkToken({
        adminPortalLinkTokenId: link.id
      })
      expect(revoked).toMatchObject({ id: link.id, revoked: true })
    })
  )
})
