import { OrganizationInvitations, OrganizationMemberships, Organizations, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { idPattern } from "./harness.js"
import { sharedEmulator } from "./sdk.js"

// Organizations, their memberships and invitations through the SDK. The tests share
// an emulator, so each scopes its lists to its own organizations.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Organizations through the SDK", (it) => {
  it.effect("create, get, update, list and delete an organization", () =>
    Effect.gen(function* () {
      const before = Date.now()
      const owner = yield* Users.create({ emailAddress: ["owner@orgs.test"] })
      const org = yield* Organizations.create({
        name: "Acme Orgs",
        createdBy: owner.id,
        maxAllowedMemberships: 7
      })
      expect(org.id).toMatch(idPattern("org"))
      expect([org.name, org.slug, org.maxAllowedMemberships, org.createdBy]).toEqual([
        "Acme Orgs",
        "acme-orgs",
        7,
        owner.id
      ])
      expect(org.createdAt).toBeGreaterThanOrEqual(before)
      expect(org.createdAt).toBeLessThanOrEqual(Date.now())
      expect(
        (yield* Organizations.get({ organizationId: org.id, includeMembersCount: true })).membersCount
      ).toBe(1)
      const taken = yield* Effect.flip(Organizations.create({ name: "Other", slug: "acme-orgs" }))
      expect(taken).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "form_identifier_exists" }]
      })
      const renamed = yield* Organizations.update({
        organizationId: org.id,
        name: "Acme Renamed",
        slug: "acme-renamed"
      })
      expect([renamed.name, renamed.slug]).toEqual(["Acme Renamed", "acme-renamed"])
      expect(renamed.updatedAt).toBeGreaterThan(org.updatedAt)
      const beta = yield* Organizations.create({ name: "Beta Orgs" })
      const gamma = yield* Organizations.create({ name: "Gamma Orgs" })
      const mine = [org.id, beta.id, gamma.id]
      const ids = (params: Organizations.ListParams) =>
        Effect.map(Organizations.list({ organizationId: mine, ...params }), (page) => ({
          ids: page.data.map((o) => o.id),
          total: page.totalCount
        }))
      expect(yield* ids({})).toEqual({ ids: [gamma.id, beta.id, org.id], total: 3 })
      expect(yield* ids({ orderBy: "+created_at", limit: 1, offset: 1 })).toEqual({
        ids: [beta.id],
        total: 3
      })
      expect(yield* ids({ orderBy: "name" })).toEqual({ ids: [org.id, beta.id, gamma.id], total: 3 })
      expect(yield* ids({ query: "gamma" })).toEqual({ ids: [gamma.id], total: 1 })
      expect(yield* ids({ userId: [owner.id] })).toEqual({ ids: [org.id], total: 1 })
      const counted = yield* Organizations.list({ organizationId: [org.id], includeMembersCount: true })
      expect(counted.data[0]?.membersCount).toBe(1)
      const deleted = yield* Organizations.delete({ organizationId: beta.id })
      expect([deleted.id, deleted.object, deleted.deleted]).toEqual([beta.id, "organization", true])
      expect(yield* Effect.flip(Organizations.get({ organizationId: beta.id }))).toMatchObject(notFound)
      expect(yield* Effect.flip(Organizations.delete({ organizationId: beta.id }))).toMatchObject(notFound)
      expect((yield* ids({})).ids).toEqual([gamma.id, org.id])
    })
  )

  it.effect("mergeMetadata deep-merges and null removes a key; replaceMetadata replaces", () =>
    Effect.gen(function* () {
      const org = yield* Organizations.create({
        name: "Meta Org",
        publicMetadata: { tier: "gold", limits: { seats: 5, storage: 10 } },
        privateMetadata: { crm: "acc_1" }
      })
      const merged = yield* Organizations.mergeMetadata({
        organizationId: org.id,
        publicMetadata: { limits: { storage: null, api: true } },
        privateMetadata: { crm: null, owner: "x" }
      })
      expect(merged.publicMetadata).toEqual({ tier: "gold", limits: { seats: 5, api: true } })
      expect(merged.privateMetadata).toEqual({ owner: "x" })
      const stored = (yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).organizations.find(
        (o) => o.id === org.id
      )
      expect(stored?.privateMetadata).toEqual({ owner: "x" })
      const replaced = yield* Organizations.replaceMetadata({
        organizationId: org.id,
        publicMetadata: { only: 1 }
      })
      expect([replaced.publicMetadata, replaced.privateMetadata]).toEqual([{ only: 1 }, { owner: "x" }])
      expect(
        yield* Effect.flip(Organizations.mergeMetadata({ organizationId: "org_missing" }))
      ).toMatchObject(notFound)
    })
  )

  it.effect("logo upload and delete", () =>
    Effect.gen(function* () {
      const uploader = yield* Users.create({ firstName: "Logo" })
      const org = yield* Organizations.create({ name: "Logo Co" })
      expect(org.hasImage).toBe(false)
      const file = new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" })
      const withLogo = yield* Organizations.uploadLogo({
        organizationId: org.id,
        file,
        uploaderUserId: uploader.id
      })
      expect(withLogo.hasImage).toBe(true)
      expect(withLogo.imageUrl).toMatch(/^https:\/\/img\.clerk\.emulator\.local\/img_\w+$/)
      expect(withLogo.logoUrl).toBe(withLogo.imageUrl)
      const read = yield* Organizations.get({ organizationId: org.id })
      expect([read.hasImage, read.imageUrl]).toEqual([true, withLogo.imageUrl])
      const replaced = yield* Organizations.uploadLogo({ organizationId: org.id, file })
      expect(replaced.imageUrl).not.toBe(withLogo.imageUrl)
      const cleared = yield* Organizations.deleteLogo({ organizationId: org.id })
      expect([cleared.hasImage, cleared.imageUrl]).toEqual([false, org.imageUrl])
      expect(
        yield* Effect.flip(Organizations.uploadLogo({ organizationId: org.id, file: new Uint8Array() }))
      ).toMatchObject({ _tag: "ClerkBadRequest", errors: [{ code: "form_param_value_invalid" }] })
    })
  )

  it.effect("memberships: create, refuse duplicates, list, filter, update role and metadata, delete", () =>
    Effect.gen(function* () {
      const ada = yield* Users.create({ emailAddress: ["ada@members.test"], firstName: "Ada" })
      const bob = yield* Users.create({ emailAddress: ["bob@members.test"], firstName: "Bob" })
      const org = yield* Organizations.create({ name: "Members Team", createdBy: ada.id })
      const membership = yield* OrganizationMemberships.create({
        organizationId: org.id,
        userId: bob.id,
        role: "org:member",
        publicMetadata: { team: { color: "red", size: 2 } }
      })
      expect(membership.id).toMatch(idPattern("orgmem"))
      expect(membership).toMatchObject({
        object: "organization_membership",
        role: "org:member",
        organization: { id: org.id },
        publicUserData: { userId: bob.id, firstName: "Bob", identifier: "bob@members.test" }
      })
      expect(
        yield* Effect.flip(
          OrganizationMemberships.create({ organizationId: org.id, userId: bob.id, role: "org:member" })
        )
      ).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "already_a_member_in_organization" }]
      })
      expect(
        yield* Effect.flip(
          OrganizationMemberships.create({
            organizationId: org.id,
            userId: "user_missing",
            role: "org:member"
          })
        )
      ).toMatchObject(notFound)
      const userIds = (params: Omit<OrganizationMemberships.ListParams, "organizationId">) =>
        Effect.map(OrganizationMemberships.list({ organizationId: org.id, ...params }), (page) => ({
          users: page.data.map((m) => m.publicUserData?.userId),
          total: page.totalCount
        }))
      expect(yield* userIds({ orderBy: "+created_at" })).toEqual({ users: [ada.id, bob.id], total: 2 })
      expect(yield* userIds({ orderBy: "-created_at", limit: 1 })).toEqual({ users: [bob.id], total: 2 })
      expect(yield* userIds({ role: ["org:admin"] })).toEqual({ users: [ada.id], total: 1 })
      expect(yield* userIds({ emailAddress: ["bob@members.test"] })).toEqual({ users: [bob.id], total: 1 })
      expect(yield* userIds({ query: "ada" })).toEqual({ users: [ada.id], total: 1 })
      const promoted = yield* OrganizationMemberships.update({
        organizationId: org.id,
        userId: bob.id,
        role: "org:admin"
      })
      expect([promoted.role, promoted.roleName]).toEqual(["org:admin", "Admin"])
      expect(
        yield* Effect.flip(
          OrganizationMemberships.update({ organizationId: org.id, userId: bob.id, role: "org:wizard" })
        )
      ).toMatchObject({ _tag: "ClerkUnprocessableEntity", errors: [{ code: "form_param_value_invalid" }] })
      const withMeta = yield* OrganizationMemberships.updateMetadata({
        organizationId: org.id,
        userId: bob.id,
        publicMetadata: { team: { color: null, lead: true } },
        privateMetadata: { note: "x" }
      })
      expect(withMeta.publicMetadata).toEqual({ team: { size: 2, lead: true } })
      expect(withMeta.privateMetadata).toEqual({ note: "x" })
      const bobs = yield* Users.getOrganizationMemberships({ userId: bob.id })
      expect([bobs.totalCount, bobs.data.map((m) => m.id)]).toEqual([1, [membership.id]])
      const instance = yield* OrganizationMemberships.getInstanceOrganizationMemberships({ limit: 500 })
      expect(instance.data.map((m) => m.id)).toContain(membership.id)
      const removed = yield* OrganizationMemberships.delete({ organizationId: org.id, userId: bob.id })
      expect(removed.id).toBe(membership.id)
      expect(
        yield* Effect.flip(OrganizationMemberships.delete({ organizationId: org.id, userId: bob.id }))
      ).toMatchObject(notFound)
      expect(yield* userIds({})).toEqual({ users: [ada.id], total: 1 })
    })
  )

  it.effect("memberships stop at max_allowed_memberships with ClerkForbidden", () =>
    Effect.gen(function* () {
      const org = yield* Organizations.create({ name: "Tiny", maxAllowedMemberships: 1 })
      const a = yield* Users.create({ firstName: "A" })
      const b = yield* Users.create({ firstName: "B" })
      yield* OrganizationMemberships.create({ organizationId: org.id, userId: a.id, role: "org:admin" })
      expect(
        yield* Effect.flip(
          OrganizationMemberships.create({ organizationId: org.id, userId: b.id, role: "org:member" })
        )
      ).toMatchObject({
        _tag: "ClerkForbidden",
        errors: [{ code: "organization_membership_quota_exceeded" }]
      })
    })
  )

  it.effect("organization invitations: create, bulk, get, list, pending, revoke", () =>
    Effect.gen(function* () {
      const inviter = yield* Users.create({ emailAddress: ["boss@hiring.test"], firstName: "Boss" })
      const org = yield* Organizations.create({ name: "Hiring", createdBy: inviter.id })
      const invitation = yield* OrganizationInvitations.create({
        organizationId: org.id,
        emailAddress: "new@hiring.test",
        role: "org:member",
        inviterUserId: inviter.id
      })
      expect(invitation.id).toMatch(idPattern("orginv"))
      expect(invitation).toMatchObject({
        object: "organization_invitation",
        emailAddress: "new@hiring.test",
        role: "org:member",
        roleName: "Member",
        organizationId: org.id,
        status: "pending",
        publicInviterData: { userId: inviter.id, identifier: "boss@hiring.test" }
      })
      const bulk = yield* OrganizationInvitations.bulkCreate({
        organizationId: org.id,
        body: [
          { emailAddress: "a@hiring.test", role: "org:member" },
          { emailAddress: "b@hiring.test", role: "org:admin" }
        ]
      })
      expect([bulk.totalCount, bulk.data.map((i) => i.emailAddress)]).toEqual([
        2,
        ["a@hiring.test", "b@hiring.test"]
      ])
      expect(
        yield* OrganizationInvitations.get({ organizationId: org.id, invitationId: invitation.id })
      ).toEqual(invitation)
      const revoked = yield* OrganizationInvitations.revoke({
        organizationId: org.id,
        invitationId: invitation.id
      })
      expect(revoked.status).toBe("revoked")
      const pending = yield* OrganizationInvitations.list({ organizationId: org.id, status: ["pending"] })
      expect(pending.data.map((i) => i.emailAddress).sort()).toEqual(["a@hiring.test", "b@hiring.test"])
      const revokedList = yield* OrganizationInvitations.list({ organizationId: org.id, status: ["revoked"] })
      expect(revokedList.data.map((i) => i.id)).toEqual([invitation.id])
      const inOrder = yield* OrganizationInvitations.list({ organizationId: org.id, orderBy: "+created_at" })
      expect(inOrder.data.map((i) => i.emailAddress)).toEqual([
        "new@hiring.test",
        "a@hiring.test",
        "b@hiring.test"
      ])
      expect((yield* OrganizationInvitations.listPending({ organizationId: org.id })).totalCount).toBe(2)
      const found = yield* OrganizationInvitations.getAll({ query: "a@hiring" })
      expect(found.data.map((i) => [i.emailAddress, i.publicOrganizationData?.id])).toEqual([
        ["a@hiring.test", org.id]
      ])
      expect(
        yield* Effect.flip(
          OrganizationInvitations.create({
            organizationId: org.id,
            emailAddress: "boss@hiring.test",
            role: "org:member"
          })
        )
      ).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "already_a_member_in_organization" }]
      })
      const invitee = yield* Users.create({ emailAddress: ["b@hiring.test"] })
      const invites = yield* Users.getOrganizationInvitations({ userId: invitee.id })
      expect(invites.data.map((i) => i.emailAddress)).toEqual(["b@hiring.test"])
      expect(
        yield* Effect.flip(
          OrganizationInvitations.get({ organizationId: org.id, invitationId: "orginv_missing" })
        )
      ).toMatchObject(notFound)
    })
  )

  it.effect("deleting an organization cascades to its memberships and invitations", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Member" })
      const org = yield* Organizations.create({ name: "Doomed", createdBy: user.id })
      const invitation = yield* OrganizationInvitations.create({
        organizationId: org.id,
        emailAddress: "x@doomed.test",
        role: "org:member"
      })
      expect((yield* Users.getOrganizationMemberships({ userId: user.id })).totalCount).toBe(1)
      yield* Organizations.delete({ organizationId: org.id })
      expect(yield* Users.getOrganizationMemberships({ userId: user.id })).toMatchObject({
        data: [],
        totalCount: 0
      })
      const snapshot = yield* (yield* ClerkEmulator.ClerkEmulator).snapshot
      expect(snapshot.organizationInvitations.map((i) => i.id)).not.toContain(invitation.id)
      expect(snapshot.organizationMemberships.filter((m) => m.organization.id === org.id)).toEqual([])
      expect(
        yield* Effect.flip(
          OrganizationInvitations.get({ organizationId: org.id, invitationId: invitation.id })
        )
      ).toMatchObject(notFound)
    })
  )
})
