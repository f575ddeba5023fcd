import {
  Clients,
  Domains,
  EmailSMSTemplates,
  InstanceSettings,
  RedirectUrls,
  Sessions,
  Users
} from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// The instance's own configuration through the SDK: redirect URLs, satellite domains, email and
// SMS templates, instance settings, and clients as a read model of the sessions.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Instance configuration through the SDK", (it) => {
  it.effect("redirect URLs: create, get, list (bare and paginated), delete and 404 afterwards", () =>
    Effect.gen(function* () {
      const callback = yield* RedirectUrls.create({ url: "myapp://oauth-callback" })
      expect(callback).toMatchObject({ object: "redirect_url", url: "myapp://oauth-callback" })
      const other = yield* RedirectUrls.create({ url: "https://app.test/sso" })
      expect(yield* RedirectUrls.get({ id: callback.id })).toMatchObject({
        id: callback.id,
        url: callback.url
      })
      const listed = yield* RedirectUrls.list({})
      expect(listed.map((u) => u.id).sort()).toEqual([callback.id, other.id].sort())
      const paged = yield* RedirectUrls.list({ paginated: true, limit: 1 })
      expect(paged).toMatchObject({ totalCount: 2 })
      expect(paged.data).toHaveLength(1)
      expect(yield* RedirectUrls.delete({ id: callback.id })).toMatchObject({
        id: callback.id,
        deleted: true
      })
      expect(yield* Effect.flip(RedirectUrls.get({ id: callback.id }))).toMatchObject(notFound)
      expect((yield* RedirectUrls.list({})).map((u) => u.id)).toEqual([other.id])
    })
  )

  it.effect("satellite domains: add, list, update, delete and 404 afterwards", () =>
    Effect.gen(function* () {
      const domain = yield* Domains.add({ name: "satellite.test", isSatellite: true })
      expect(domain).toMatchObject({ object: "domain", name: "satellite.test", isSatellite: true })
      expect((yield* Domains.list({})).data.map((d) => d.id)).toContain(domain.id)
      const moved = yield* Domains.update({ domainId: domain.id, proxyUrl: "https://satellite.test/__clerk" })
      expect(moved).toMatchObject({ id: domain.id, proxyUrl: "https://satellite.test/__clerk" })
      expect(yield* Domains.delete({ domainId: domain.id })).toMatchObject({ id: domain.id, deleted: true })
      expect((yield* Domains.list({})).data.map((d) => d.id)).not.toContain(domain.id)
      expect(yield* Effect.flip(Domains.update({ domainId: domain.id, name: "gone.test" }))).toMatchObject(
        notFound
      )
    })
  )

  it.effect("templates: upsert by slug, get, list by type, revert", () =>
    Effect.gen(function* () {
      const upserted = yield* EmailSMSTemplates.upsert({
        templateType: "email",
        slug: "welcome",
        name: "Welcome",
        subject: "Welcome aboard",
        body: "<p>Hello {{user.first_name}}</p>"
      })
      expect(upserted).toMatchObject({ slug: "welcome", subject: "Welcome aboard" })
      expect(yield* EmailSMSTemplates.get({ templateType: "email", slug: "welcome" })).toMatchObject({
        slug: "welcome",
        subject: "Welcome aboard"
      })
      const again = yield* EmailSMSTemplates.upsert({ templateType: "email", slug: "welcome", subject: "Hi" })
      expect(again).toMatchObject({ slug: "welcome", subject: "Hi", name: "Welcome" })
      expect((yield* EmailSMSTemplates.list({ templateType: "email" })).map((t) => t.slug)).toEqual([
        "welcome"
      ])
      expect(yield* EmailSMSTemplates.list({ templateType: "sms" })).toEqual([])
      expect(
        yield* Effect.flip(EmailSMSTemplates.get({ templateType: "sms", slug: "welcome" }))
      ).toMatchObject(notFound)
    })
  )

  it.effect("instance settings: restrictions and organization settings are read back as updated", () =>
    Effect.gen(function* () {
      const restrictions = yield* InstanceSettings.updateRestrictions({ blockEmailSubaddresses: true })
      expect(restrictions.blockEmailSubaddresses).toBe(true)
      const organizations = yield* InstanceSettings.updateOrganizationSettings({ maxAllowedMemberships: 7 })
      expect(organizations.maxAllowedMemberships).toBe(7)
      expect((yield* InstanceSettings.getOrganizationSettings({})).maxAllowedMemberships).toBe(7)
      const protect = yield* InstanceSettings.updateInstanceProtect({ rulesEnabled: true })
      expect(protect.rulesEnabled).toBe(true)
      expect((yield* InstanceSettings.getInstanceProtect({})).rulesEnabled).toBe(true)
      // The restriction is live: a subaddress is refused until it is lifted.
      expect(yield* Effect.flip(Users.create({ emailAddress: ["ada+test@instance.test"] }))).toMatchObject({
        _tag: "ClerkForbidden",
        errors: [{ code: "not_allowed_access" }]
      })
      yield* InstanceSettings.updateRestrictions({ blockEmailSubaddresses: false })
      yield* Users.create({ emailAddress: ["ada+test@instance.test"] })
    })
  )

  it.effect("clients: a read model of the sessions, gettable, listed and 404 for unknown ids", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Client" })
      const session = yield* Sessions.create({ userId: user.id })
      const client = yield* Clients.get({ clientId: session.clientId })
      expect(client).toMatchObject({
        object: "client",
        id: session.clientId,
        sessionIds: [session.id],
        lastActiveSessionId: session.id
      })
      expect(client.sessions.map((s) => s.userId)).toEqual([user.id])
      expect(yield* Effect.flip(Clients.get({ clientId: "client_missing" }))).toMatchObject(notFound)
    })
  )
})
