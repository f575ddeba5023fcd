import {
  AllowListBlockList,
  BetaFeatures,
  InstanceSettings,
  Invitations,
  OrganizationDomains,
  OrganizationInvitations,
  OrganizationMemberships,
  Organizations,
  SamlConnections,
  Users
} from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { freshEmulator, sharedEmulator } from "./sdk.js"

// Clerk's rules the emulator enforces, through the SDK. Restrictions are instance-wide,
// so each test has an emulator of its own.

const notAllowed = (...identifiers: ReadonlyArray<string>) => ({
  _tag: "ClerkForbidden",
  status: 403,
  errors: [
    {
      code: "not_allowed_access",
      message: "Access not allowed.",
      longMessage: `${identifiers.join(", ")} ${identifiers.length === 1 ? "is" : "are"} not allowed to access this application.`,
      meta: { identifiers }
    }
  ]
})

const emailsOf = Effect.map(Users.list({ limit: 100, orderBy: "created_at" }), (users) =>
  users.flatMap((u) => u.emailAddresses.map((e) => e.emailAddress))
)

freshEmulator("Allowlist and blocklist through the SDK", (test) => {
  test("the blocklist refuses its identifiers at user and invitation creation, and nothing is stored", () =>
    Effect.gen(function* () {
      yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "Mallory@Block.test" })
      const domain = yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "spam.test" })
      yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "+1 555 555 0166" })
      expect(domain).toMatchObject({ identifier: "spam.test", identifierType: "email_address" })

      expect(yield* Effect.flip(Users.create({ emailAddress: ["mallory@block.test"] }))).toMatchObject(
        notAllowed("mallory@block.test")
      )
      expect(yield* Effect.flip(Users.create({ emailAddress: ["anyone@SPAM.test"] }))).toMatchObject(
        notAllowed("anyone@spam.test")
      )
      expect(
        yield* Effect.flip(Users.create({ emailAddress: ["fine@ok.test"], phoneNumber: ["+15555550166"] }))
      ).toMatchObject(notAllowed("+15555550166"))
      expect(yield* Effect.flip(Invitations.create({ emailAddress: "MALLORY@block.test" }))).toMatchObject(
        notAllowed("mallory@block.test")
      )
      expect(
        yield* Effect.flip(
          Invitations.bulkCreate({ body: [{ emailAddress: "ok@ok.test" }, { emailAddress: "x@spam.test" }] })
        )
      ).toMatchObject(notAllowed("x@spam.test"))
      expect(yield* emailsOf).toEqual([])
      expect(yield* Invitations.list({})).toEqual([])

      // A subdomain is not the domain; other addresses pass.
      yield* Users.create({ emailAddress: ["someone@mail.spam.test"] })
      expect(yield* emailsOf).toEqual(["someone@mail.spam.test"])
    }))

  test("the blocklist stops refusing once its entry is deleted or the blocklist restriction is off", () =>
    Effect.gen(function* () {
      const entry = yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "eve@block.test" })
      yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "trudy@block.test" })
      yield* Effect.flip(Users.create({ emailAddress: ["eve@block.test"] }))
      expect(
        yield* AllowListBlockList.deleteBlocklistIdentifier({ identifierId: entry.id ?? "" })
      ).toMatchObject({ id: entry.id, object: "blocklist_identifier", deleted: true })
      yield* Users.create({ emailAddress: ["eve@block.test"] })

      const restrictions = yield* InstanceSettings.updateRestrictions({ blocklist: false })
      expect(restrictions).toMatchObject({ allowlist: false, blocklist: false })
      yield* Users.create({ emailAddress: ["trudy@block.test"] })
      expect(yield* emailsOf).toEqual(["eve@block.test", "trudy@block.test"])
    }))

  test("restricted to the allowlist, only identifiers on it may be created or invited", () =>
    Effect.gen(function* () {
      // Without the restriction the allowlist refuses no one.
      yield* AllowListBlockList.createAllowlistIdentifier({ identifier: "ada@allow.test" })
      yield* Users.create({ emailAddress: ["early@elsewhere.test"] })

      const restrictions = yield* InstanceSettings.updateRestrictions({ allowlist: true })
      expect(restrictions).toMatchObject({
        object: "instance_restrictions",
        allowlist: true,
        blocklist: true
      })
      expect(yield* Effect.flip(Users.create({ emailAddress: ["bob@allow.test"] }))).toMatchObject(
        notAllowed("bob@allow.test")
      )
      expect(yield* Effect.flip(Invitations.create({ emailAddress: "bob@allow.test" }))).toMatchObject(
        notAllowed("bob@allow.test")
      )
      yield* Users.create({ emailAddress: ["ADA@allow.test"] })
      yield* AllowListBlockList.createAllowlistIdentifier({ identifier: "team.test" })
      yield* Users.create({ emailAddress: ["carol@team.test"] })
      yield* Invitations.create({ emailAddress: "dave@team.test" })
      expect(
        yield* Effect.flip(Users.create({ emailAddress: ["erin@team.test"], phoneNumber: ["+15555550177"] }))
      ).toMatchObject(notAllowed("+15555550177"))
      // The blocklist still wins over the allowlist.
      yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "frank@team.test" })
      expect(yield* Effect.flip(Users.create({ emailAddress: ["frank@team.test"] }))).toMatchObject(
        notAllowed("frank@team.test")
      )
      expect(yield* emailsOf).toEqual(["early@elsewhere.test", "ada@allow.test", "carol@team.test"])
    }))

  test("the beta instance settings' restricted_to_allowlist is the same setting", () =>
    Effect.gen(function* () {
      const settings = yield* BetaFeatures.updateInstanceSettings({
        restrictedToAllowlist: true,
        progressiveSignUp: true
      })
      expect(settings).toMatchObject({ restrictedToAllowlist: true, progressiveSignUp: true })
      expect(yield* Effect.flip(Users.create({ emailAddress: ["gil@beta.test"] }))).toMatchObject(
        notAllowed("gil@beta.test")
      )
      expect(yield* InstanceSettings.updateRestrictions({})).toMatchObject({ allowlist: true })
      yield* InstanceSettings.updateRestrictions({ allowlist: false })
      const after = yield* BetaFeatures.updateInstanceSettings({ fromEmailAddress: "hello" })
      expect(after).toMatchObject({ restrictedToAllowlist: false, progressiveSignUp: true })
      yield* Users.create({ emailAddress: ["gil@beta.test"] })
    }))

  test("blocked email subaddresses are refused while the restriction is on", () =>
    Effect.gen(function* () {
      yield* Users.create({ emailAddress: ["ann+1@sub.test"] })
      yield* InstanceSettings.updateRestrictions({ blockEmailSubaddresses: true })
      expect(yield* Effect.flip(Users.create({ emailAddress: ["ann+2@sub.test"] }))).toMatchObject({
        _tag: "ClerkForbidden",
        errors: [{ code: "not_allowed_access", meta: { param_name: "email_address" } }]
      })
      expect(yield* Effect.flip(Invitations.create({ emailAddress: "ann=3@sub.test" }))).toMatchObject({
        _tag: "ClerkForbidden",
        errors: [{ code: "not_allowed_access" }]
      })
      yield* Users.create({ emailAddress: ["ann@sub.test"] })
      expect(yield* emailsOf).toEqual(["ann+1@sub.test", "ann@sub.test"])
    }))

  test("identifiers are listed, refused when duplicate or malformed, and deleted", () =>
    Effect.gen(function* () {
      const first = yield* AllowListBlockList.createAllowlistIdentifier({ identifier: "one@list.test" })
      const wallet = yield* AllowListBlockList.createAllowlistIdentifier({
        identifier: "0xAbCdEf0123456789abcdef0123456789ABCDEF01",
        notify: false
      })
      expect(first).toMatchObject({ object: "allowlist_identifier", identifierType: "email_address" })
      expect(first.id).toMatch(/^alid_/)
      expect(wallet).toMatchObject({
        identifier: "0xabcdef0123456789abcdef0123456789abcdef01",
        identifierType: "web3_wallet"
      })
      expect(
        yield* Effect.flip(AllowListBlockList.createAllowlistIdentifier({ identifier: "ONE@list.test" }))
      ).toMatchObject({ _tag: "ClerkBadRequest", errors: [{ code: "duplicate_record" }] })
      for (const identifier of ["", "not an identifier", "12345"]) {
        expect(
          yield* Effect.flip(AllowListBlockList.createBlocklistIdentifier({ identifier }))
        ).toMatchObject({
          _tag: "ClerkUnprocessableEntity",
          errors: [{ meta: { param_name: "identifier" } }]
        })
      }
      const listed = yield* AllowListBlockList.listAllowlistIdentifiers({ paginated: true })
      expect(listed).toMatchObject({ totalCount: 2, data: [{ id: first.id }, { id: wallet.id }] })
      yield* AllowListBlockList.deleteAllowlistIdentifier({ identifierId: first.id ?? "" })
      expect(
        yield* Effect.flip(AllowListBlockList.deleteAllowlistIdentifier({ identifierId: first.id ?? "" }))
      ).toMatchObject({ _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] })
      expect((yield* AllowListBlockList.listAllowlistIdentifiers({})).map((i) => i.id)).toEqual([wallet.id])
      const blocked = yield* AllowListBlockList.createBlocklistIdentifier({ identifier: "x@list.test" })
      expect(yield* AllowListBlockList.listBlocklistIdentifiers({})).toMatchObject({
        totalCount: 1,
        data: [{ id: blocked.id, object: "blocklist_identifier" }]
      })
    }))
})

const quotaExceeded = (limit: number) => ({
  _tag: "ClerkForbidden",
  status: 403,
  errors: [
    {
      code: "organization_membership_quota_exceeded",
      longMessage: `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`
    }
  ]
})

/** A metadata object whose JSON is exactly `bytes` long in UTF-8: `{"k":"…"}` is 8 bytes besides the value. */
const metadataOf = (bytes: number, char = "a") => ({
  k: char.repeat((bytes - 8) / new TextEncoder().encode(char).length)
})

const tooLarge = (param: string) => ({
  _tag: "ClerkUnprocessableEntity",
  status: 422,
  errors: [{ code: "form_param_exceeds_allowed_size", meta: { param_name: param } }]
})

sharedEmulator("Metadata size through the SDK", (it) => {
  it.effect("each metadata object may hold up to 8KB of JSON, counted in UTF-8 bytes", () =>
    Effect.gen(function* () {
      expect(JSON.stringify(metadataOf(8192)).length).toBe(8192)
      const user = yield* Users.create({ emailAddress: ["meta@size.test"], publicMetadata: metadataOf(8192) })
      expect(user.publicMetadata).toEqual(metadataOf(8192))
      expect(
        yield* Effect.flip(
          Users.create({ emailAddress: ["big@size.test"], unsafeMetadata: metadataOf(8193) })
        )
      ).toMatchObject(tooLarge("unsafe_metadata"))
      // Two-byte characters: 4093 of them make 8194 bytes.
      expect(
        yield* Effect.flip(
          Users.create({ emailAddress: ["big@size.test"], privateMetadata: metadataOf(8194, "é") })
        )
      ).toMatchObject(tooLarge("private_metadata"))
      expect(yield* Users.list({ emailAddress: ["big@size.test"] })).toEqual([])
    })
  )

  it.effect("a merge that would pass the limit is refused and changes nothing", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({
        emailAddress: ["merge@size.test"],
        privateMetadata: { half: "b".repeat(5000) }
      })
      expect(
        yield* Effect.flip(
          Users.updateMetadata({
            userId: user.id,
            publicMetadata: { plan: "pro" },
            privateMetadata: { more: "c".repeat(4000) }
          })
        )
      ).toMatchObject(tooLarge("private_metadata"))
      const unchanged = yield* Users.get({ userId: user.id })
      expect([unchanged.publicMetadata, unchanged.privateMetadata]).toEqual([{}, { half: "b".repeat(5000) }])
      // Deleting a key while adding makes room.
      const merged = yield* Users.updateMetadata({
        userId: user.id,
        privateMetadata: { half: null, more: "c".repeat(4000) }
      })
      expect(merged.privateMetadata).toEqual({ more: "c".repeat(4000) })
      expect(
        yield* Effect.flip(Users.replaceMetadata({ userId: user.id, publicMetadata: metadataOf(9000) }))
      ).toMatchObject(tooLarge("public_metadata"))
    })
  )

  it.effect("organizations, memberships and invitations hold their metadata to the same limit", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ emailAddress: ["owner@size.test"] })
      const org = yield* Organizations.create({
        name: "Sized",
        createdBy: owner.id,
        publicMetadata: { a: 1 }
      })
      const organizationId = org.id
      expect(
        yield* Effect.flip(Organizations.create({ name: "Huge", privateMetadata: metadataOf(8193) }))
      ).toMatchObject(tooLarge("private_metadata"))
      expect(
        yield* Effect.flip(
          Organizations.mergeMetadata({
            organizationId,
            publicMetadata: { b: 2 },
            privateMetadata: metadataOf(8193)
          })
        )
      ).toMatchObject(tooLarge("private_metadata"))
      expect((yield* Organizations.get({ organizationId })).publicMetadata).toEqual({ a: 1 })
      expect(
        yield* Effect.flip(
          OrganizationMemberships.updateMetadata({
            organizationId,
            userId: owner.id,
            publicMetadata: metadataOf(8193)
          })
        )
      ).toMatchObject(tooLarge("public_metadata"))
      expect(
        yield* Effect.flip(
          OrganizationInvitations.create({
            organizationId,
            emailAddress: "x@size.test",
            role: "org:member",
            publicMetadata: metadataOf(8193)
          })
        )
      ).toMatchObject(tooLarge("public_metadata"))
      expect(
        yield* Effect.flip(
          Invitations.create({ emailAddress: "y@size.test", publicMetadata: metadataOf(8193) })
        )
      ).toMatchObject(tooLarge("public_metadata"))
    })
  )
})

sharedEmulator("Organization rules through the SDK", (it) => {
  it.effect("max_allowed_memberships counts pending invitations as well as members", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ emailAddress: ["owner@quota.test"] })
      const invitee = yield* Users.create({ emailAddress: ["invitee@quota.test"] })
      const stranger = yield* Users.create({ emailAddress: ["stranger@quota.test"] })
      const org = yield* Organizations.create({
        name: "Quota",
        createdBy: owner.id,
        maxAllowedMemberships: 3
      })
      const organizationId = org.id
      const first = yield* OrganizationInvitations.create({
        organizationId,
        emailAddress: "invitee@quota.test",
        role: "org:member"
      })
      const other = yield* OrganizationInvitations.create({
        organizationId,
        emailAddress: "other@quota.test",
        role: "org:member"
      })
      // One member and two pending invitations fill the three seats.
      expect(
        yield* Effect.flip(
          OrganizationInvitations.create({
            organizationId,
            emailAddress: "third@quota.test",
            role: "org:member"
          })
        )
      ).toMatchObject(quotaExceeded(3))
      expect(
        yield* Effect.flip(
          OrganizationMemberships.create({ organizationId, userId: stranger.id, role: "org:member" })
        )
      ).toMatchObject(quotaExceeded(3))
      // An invited user takes the seat their own invitation holds.
      yield* OrganizationMemberships.create({ organizationId, userId: invitee.id, role: "org:member" })
      // A revoked invitation frees its seat; a bulk that would pass the limit adds none.
      yield* OrganizationInvitations.revoke({ organizationId, invitationId: first.id })
      expect(
        yield* Effect.flip(
          OrganizationInvitations.bulkCreate({
            organizationId,
            body: [
              { emailAddress: "x@quota.test", role: "org:member" },
              { emailAddress: "y@quota.test", role: "org:member" }
            ]
          })
        )
      ).toMatchObject(quotaExceeded(3))
      expect((yield* OrganizationInvitations.listPending({ organizationId })).totalCount).toBe(1)
      yield* OrganizationInvitations.revoke({ organizationId, invitationId: other.id })
      yield* OrganizationMemberships.create({ organizationId, userId: stranger.id, role: "org:member" })
      expect((yield* OrganizationMemberships.list({ organizationId })).totalCount).toBe(3)
    })
  )

  it.effect("the last admin of an organization can be neither demoted nor removed", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ emailAddress: ["owner@admins.test"] })
      const second = yield* Users.create({ emailAddress: ["second@admins.test"] })
      const member = yield* Users.create({ emailAddress: ["member@admins.test"] })
      const org = yield* Organizations.create({ name: "Admins", createdBy: owner.id })
      const organizationId = org.id
      yield* OrganizationMemberships.create({ organizationId, userId: member.id, role: "org:member" })
      const minimumNeeded = {
        _tag: "ClerkBadRequest",
        status: 400,
        errors: [{ code: "organization_minimum_permissions_needed" }]
      }
      expect(
        yield* Effect.flip(
          OrganizationMemberships.update({ organizationId, userId: owner.id, role: "org:member" })
        )
      ).toMatchObject(minimumNeeded)
      expect(
        yield* Effect.flip(OrganizationMemberships.delete({ organizationId, userId: owner.id }))
      ).toMatchObject(minimumNeeded)
      // A member leaves freely; an admin staying an admin is no demotion.
      yield* OrganizationMemberships.delete({ organizationId, userId: member.id })
      yield* OrganizationMemberships.update({ organizationId, userId: owner.id, role: "org:admin" })
      // With a second admin, the first may step down and then leave.
      yield* OrganizationMemberships.create({ organizationId, userId: second.id, role: "org:admin" })
      yield* OrganizationMemberships.update({ organizationId, userId: owner.id, role: "org:member" })
      expect(
        yield* Effect.flip(
          OrganizationMemberships.update({ organizationId, userId: second.id, role: "org:member" })
        )
      ).toMatchObject(minimumNeeded)
      yield* OrganizationMemberships.delete({ organizationId, userId: owner.id })
      const left = yield* OrganizationMemberships.list({ organizationId })
      expect(left.data.map((m) => [m.publicUserData?.userId, m.role])).toEqual([[second.id, "org:admin"]])
    })
  )
})

sharedEmulator("The - exclusion prefix on list filters through the SDK", (it) => {
  it.effect(
    "users, organizations and memberships: + or no prefix includes, - excludes, and both compose",
    () =>
      Effect.gen(function* () {
        const ada = yield* Users.create({ emailAddress: ["ada@exclude.test"], externalId: "ext-ada" })
        const bob = yield* Users.create({ emailAddress: ["bob@exclude.test"], externalId: "ext-bob" })
        const cy = yield* Users.create({ emailAddress: ["cy@exclude.test"] })
        const mine = { emailAddressQuery: "@exclude.test" }
        const listed = (params: Omit<Parameters<typeof Users.list>[0], "emailAddressQuery">) =>
          Effect.map(Users.list({ ...mine, ...params, orderBy: "created_at" }), (users) =>
            users.map((u) => u.id)
          )

        expect(yield* listed({ userId: [`-${ada.id}`] })).toEqual([bob.id, cy.id])
        expect(yield* listed({ userId: [`+${ada.id}`, bob.id] })).toEqual([ada.id, bob.id])
        expect(yield* listed({ userId: [ada.id, bob.id, `-${bob.id}`] })).toEqual([ada.id])
        expect(yield* listed({ externalId: ["-ext-bob"] })).toEqual([ada.id, cy.id])
        expect((yield* Users.count({ ...mine, userId: [`-${ada.id}`, `-${cy.id}`] })).totalCount).toBe(1)

        const red = yield* Organizations.create({ name: "Red", createdBy: ada.id })
        const blue = yield* Organizations.create({ name: "Blue", createdBy: bob.id })
        yield* OrganizationMemberships.create({ organizationId: blue.id, userId: cy.id, role: "org:member" })
        expect(yield* listed({ organizationId: [`-${red.id}`] })).toEqual([bob.id, cy.id])
        expect(yield* listed({ organizationId: [blue.id, `-${red.id}`] })).toEqual([bob.id, cy.id])
        expect((yield* Users.count({ ...mine, organizationId: [`-${blue.id}`] })).totalCount).toBe(1)

        const orgs = (params: Omit<Parameters<typeof Organizations.list>[0], "query">) =>
          Effect.map(
            Organizations.list({ organizationId: [red.id, blue.id], ...params, orderBy: "created_at" }),
            (page) => page.data.map((o) => o.id)
          )
        expect(yield* orgs({})).toEqual([red.id, blue.id])
        expect(yield* orgs({ organizationId: [red.id, blue.id, `-${red.id}`] })).toEqual([blue.id])
        expect(yield* orgs({ userId: [`-${cy.id}`] })).toEqual([red.id])
        expect(yield* orgs({ userId: [`+${ada.id}`, `-${cy.id}`] })).toEqual([red.id])

        const members = yield* OrganizationMemberships.list({
          organizationId: blue.id,
          userId: [`-${bob.id}`]
        })
        expect(members.data.map((m) => m.publicUserData?.userId)).toEqual([cy.id])
      })
  )

  it.effect("organization domains and SAML connections filter by their fields with the same prefixes", () =>
    Effect.gen(function* () {
      const org = yield* Organizations.create({ name: "Domains" })
      const organizationId = org.id
      const domain = (name: string, enrollmentMode: string) =>
        Effect.map(OrganizationDomains.create({ organizationId, name, enrollmentMode }), (d) => d.name)
      yield* domain("a.test", "manual_invitation")
      yield* domain("b.test", "automatic_invitation")
      yield* domain("c.test", "automatic_suggestion")
      const names = (enrollmentMode: string) =>
        Effect.map(OrganizationDomains.list({ organizationId, enrollmentMode }), (page) =>
          page.data.map((d) => d.name).sort()
        )
      expect(yield* names("-manual_invitation")).toEqual(["b.test", "c.test"])
      expect(yield* names("automatic_invitation")).toEqual(["b.test"])
      expect(yield* names("automatic_invitation,automatic_suggestion,-automatic_suggestion")).toEqual([
        "b.test"
      ])

      const other = yield* Organizations.create({ name: "Other domains" })
      const saml = (name: string, organizationId: string) =>
        Effect.map(
          SamlConnections.create({ name, provider: "saml_custom", domain: `${name}.test`, organizationId }),
          (c) => c.id
        )
      const mine = yield* saml("mine", organizationId)
      const theirs = yield* saml("theirs", other.id)
      const connections = (ids: ReadonlyArray<string>) =>
        Effect.map(SamlConnections.list({ organizationId: ids }), (page) => page.data.map((c) => c.id))
      expect(yield* connections([`-${other.id}`])).toEqual([mine])
      expect(yield* connections([`+${other.id}`])).toEqual([theirs])
    })
  )
})
