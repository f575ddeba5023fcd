/**
 * `@clerk/backend`, a client no one here wrote, driven against the standalone
 * emulator as a team that tests with it would drive it: each resource through
 * the calls its users make, reading the answers through Clerk's own resource
 * classes. A field the emulator leaves out or names differently shows up here
 * as `undefined` or a thrown error, which spec validation alone does not catch
 * (Clerk's SDK reads some fields the spec marks optional).
 */
import { createClerkClient, verifyToken } from "@clerk/backend"
import { isClerkAPIResponseError } from "@clerk/backend/errors"
import { type WebhookEvent, verifyWebhook } from "@clerk/backend/webhooks"
import { createServer } from "node:http"
import { ClerkEmulator } from "@effect-clerk/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const secretKey = "sk_test_clerk_backend_emulator"
let server: ClerkEmulator.RunningServer
let clerk: ReturnType<typeof createClerkClient>

beforeAll(async () => {
  server = await ClerkEmulator.startServer({ secretKey })
  clerk = createClerkClient({ secretKey, apiUrl: server.url })
})
afterAll(() => server.close())

/** The status and first error code a call is refused with. */
const refusal = async (call: Promise<unknown>) => {
  try {
    await call
  } catch (error) {
    if (isClerkAPIResponseError(error)) return { status: error.status, code: error.errors[0]?.code }
    throw error
  }
  throw new Error("the call was not refused")
}

let counter = 0
const unique = (name: string) => `${name}-${++counter}`

describe("@clerk/backend against the emulator", () => {
  it("users: create, read, filter, update, metadata, password, ban, lock, delete", async () => {
    const email = `${unique("ada")}@example.com`
    const ada = await clerk.users.createUser({
      emailAddress: [email],
      phoneNumber: ["+15555550100"],
      firstName: "Ada",
      lastName: "Lovelace",
      password: "analytical-engine-1843",
      publicMetadata: { plan: "pro" },
      privateMetadata: { internal: 1 }
    })
    expect(ada.id).toMatch(/^user_/)
    expect(ada.firstName).toBe("Ada")
    expect(ada.fullName).toBe("Ada Lovelace")
    expect(ada.primaryEmailAddress?.emailAddress).toBe(email)
    expect(ada.primaryPhoneNumber?.phoneNumber).toBe("+15555550100")
    expect(ada.passwordEnabled).toBe(true)
    expect(ada.publicMetadata).toEqual({ plan: "pro" })
    expect(ada.privateMetadata).toEqual({ internal: 1 })
    expect(ada.createdAt).toBeGreaterThan(0)

    const byEmail = await clerk.users.getUserList({ emailAddress: [email] })
    expect(byEmail.data.map((user) => user.id)).toEqual([ada.id])
    expect(byEmail.totalCount).toBe(1)
    expect((await clerk.users.getUserList({ query: "Lovelace" })).data.map((user) => user.id)).toContain(
      ada.id
    )
    expect(await clerk.users.getCount({ emailAddress: [email] })).toBe(1)

    const renamed = await clerk.users.updateUser(ada.id, { firstName: "Augusta", username: unique("ada") })
    expect(renamed.firstName).toBe("Augusta")
    const merged = await clerk.users.updateUserMetadata(ada.id, { publicMetadata: { theme: "dark" } })
    expect(merged.publicMetadata).toEqual({ plan: "pro", theme: "dark" })

    expect(await clerk.users.verifyPassword({ userId: ada.id, password: "analytical-engine-1843" })).toEqual({
      verified: true
    })
    expect(await refusal(clerk.users.verifyPassword({ userId: ada.id, password: "wrong" }))).toMatchObject({
      status: 422
    })

    expect((await clerk.users.banUser(ada.id)).banned).toBe(true)
    expect((await clerk.users.unbanUser(ada.id)).banned).toBe(false)
    expect((await clerk.users.lockUser(ada.id)).locked).toBe(true)
    expect((await clerk.users.unlockUser(ada.id)).locked).toBe(false)

    const deleted = await clerk.users.deleteUser(ada.id)
    expect(deleted.id).toBe(ada.id)
    expect(await refusal(clerk.users.getUser(ada.id))).toEqual({ status: 404, code: "resource_not_found" })
  })

  it("email addresses and phone numbers of a user", async () => {
    const user = await clerk.users.createUser({ emailAddress: [`${unique("grace")}@example.com`] })
    const second = await clerk.emailAddresses.createEmailAddress({
      userId: user.id,
      emailAddress: `${unique("grace")}@example.com`,
      verified: true
    })
    expect(second.id).toMatch(/^idn_/)
    expect(second.verification?.status).toBe("verified")
    expect((await clerk.emailAddresses.getEmailAddress(second.id)).emailAddress).toBe(second.emailAddress)
    const primary = await clerk.emailAddresses.updateEmailAddress(second.id, { primary: true })
    expect(primary.id).toBe(second.id)
    expect((await clerk.users.getUser(user.id)).primaryEmailAddressId).toBe(second.id)

    const phone = await clerk.phoneNumbers.createPhoneNumber({
      userId: user.id,
      phoneNumber: "+15555550123",
      verified: true
    })
    expect(phone.phoneNumber).toBe("+15555550123")
    expect((await clerk.phoneNumbers.getPhoneNumber(phone.id)).id).toBe(phone.id)
    expect((await clerk.phoneNumbers.deletePhoneNumber(phone.id)).deleted).toBe(true)
    expect(await refusal(clerk.phoneNumbers.getPhoneNumber(phone.id))).toMatchObject({ status: 404 })
  })

  it("organizations, memberships, invitations and domains", async () => {
    const owner = await clerk.users.createUser({ emailAddress: [`${unique("owner")}@example.com`] })
    const member = await clerk.users.createUser({ emailAddress: [`${unique("member")}@example.com`] })
    const slug = unique("engines")
    const org = await clerk.organizations.createOrganization({ name: "Engines", slug, createdBy: owner.id })
    expect(org.slug).toBe(slug)
    expect((await clerk.organizations.getOrganization({ slug })).id).toBe(org.id)
    expect((await clerk.organizations.getOrganization({ organizationId: org.id })).name).toBe("Engines")
    const listed = await clerk.organizations.getOrganizationList({ query: slug, includeMembersCount: true })
    expect(listed.data.map((o) => [o.id, o.membersCount])).toEqual([[org.id, 1]])

    expect((await clerk.organizations.updateOrganization(org.id, { name: "Difference Engines" })).name).toBe(
      "Difference Engines"
    )
    const withMetadata = await clerk.organizations.updateOrganizationMetadata(org.id, {
      publicMetadata: { tier: "gold" }
    })
    expect(withMetadata.publicMetadata).toEqual({ tier: "gold" })

    const membership = await clerk.organizations.createOrganizationMembership({
      organizationId: org.id,
      userId: member.id,
      role: "org:member"
    })
    expect(membership.role).toBe("org:member")
    expect(membership.publicUserData?.userId).toBe(member.id)
    expect(membership.organization.id).toBe(org.id)
    const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })
    expect(members.totalCount).toBe(2)
    expect(new Set(members.data.map((m) => m.publicUserData?.userId))).toEqual(new Set([owner.id, member.id]))
    const ofUser = await clerk.users.getOrganizationMembershipList({ userId: member.id })
    expect(ofUser.data.map((m) => m.organization.id)).toEqual([org.id])

    const promoted = await clerk.organizations.updateOrganizationMembership({
      organizationId: org.id,
      userId: member.id,
      role: "org:admin"
    })
    expect(promoted.role).toBe("org:admin")
    const annotated = await clerk.organizations.updateOrganizationMembershipMetadata({
      organizationId: org.id,
      userId: member.id,
      publicMetadata: { team: "analysis" }
    })
    expect(annotated.publicMetadata).toEqual({ team: "analysis" })
    await clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: member.id })
    expect(
      (await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).totalCount
    ).toBe(1)
    // The last admin stays.
    expect(
      await refusal(
        clerk.organizations.deleteOrganizationMembership({ organizationId: org.id, userId: owner.id })
      )
    ).toEqual({ status: 400, code: "organization_minimum_permissions_needed" })

    const invitation = await clerk.organizations.createOrganizationInvitation({
      organizationId: org.id,
      emailAddress: `${unique("invitee")}@example.com`,
      role: "org:member",
      inviterUserId: owner.id
    })
    expect(invitation.status).toBe("pending")
    expect(invitation.organizationId).toBe(org.id)
    expect(
      (
        await clerk.organizations.getOrganizationInvitation({
          organizationId: org.id,
          invitationId: invitation.id
        })
      ).emailAddress
    ).toBe(invitation.emailAddress)
    const pending = await clerk.organizations.getOrganizationInvitationList({
      organizationId: org.id,
      status: ["pending"]
    })
    expect(pending.data.map((i) => i.id)).toEqual([invitation.id])
    const revoked = await clerk.organizations.revokeOrganizationInvitation({
      organizationId: org.id,
      invitationId: invitation.id,
      requestingUserId: owner.id
    })
    expect(revoked.status).toBe("revoked")

    const domain = await clerk.organizations.createOrganizationDomain({
      organizationId: org.id,
      name: `${unique("engines")}.example.com`,
      enrollmentMode: "automatic_invitation",
      verified: true
    })
    // @clerk/backend has no class for organization domains: it answers Clerk's JSON as it came.
    expect(Reflect.get(domain, "enrollment_mode")).toBe("automatic_invitation")
    expect(Reflect.get(domain, "verification")).toMatchObject({ status: "verified" })
    const domains = await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })
    expect(domains.data.map((d) => d.id)).toEqual([domain.id])
    await clerk.organizations.deleteOrganizationDomain({ organizationId: org.id, domainId: domain.id })
    expect((await clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).totalCount).toBe(
      0
    )

    await clerk.organizations.deleteOrganization(org.id)
    expect(await refusal(clerk.organizations.getOrganization({ organizationId: org.id }))).toMatchObject({
      status: 404
    })
  })

  it("instance invitations, allowlist and blocklist", async () => {
    const email = `${unique("invited")}@example.com`
    const invitation = await clerk.invitations.createInvitation({
      emailAddress: email,
      publicMetadata: { a: 1 }
    })
    expect(invitation.status).toBe("pending")
    expect(invitation.publicMetadata).toEqual({ a: 1 })
    expect((await clerk.invitations.getInvitationList({ query: email })).data.map((i) => i.id)).toEqual([
      invitation.id
    ])
    expect((await clerk.invitations.revokeInvitation(invitation.id)).revoked).toBe(true)
    // Revoked invitations are left out unless asked for.
    expect((await clerk.invitations.getInvitationList({ query: email })).data).toEqual([])
    expect(
      (await clerk.invitations.getInvitationList({ query: email, status: "revoked" })).data.map((i) => i.id)
    ).toEqual([invitation.id])

    const blocked = await clerk.blocklistIdentifiers.createBlocklistIdentifier({
      identifier: "*@spam.example"
    })
    expect(blocked.identifierType).toBe("email_address")
    expect(await refusal(clerk.users.createUser({ emailAddress: ["eve@spam.example"] }))).toEqual({
      status: 403,
      code: "not_allowed_access"
    })
    expect((await clerk.blocklistIdentifiers.getBlocklistIdentifierList()).data.map((b) => b.id)).toContain(
      blocked.id
    )
    await clerk.blocklistIdentifiers.deleteBlocklistIdentifier(blocked.id)
    expect((await clerk.users.createUser({ emailAddress: ["eve@spam.example"] })).id).toMatch(/^user_/)

    const allowed = await clerk.allowlistIdentifiers.createAllowlistIdentifier({
      identifier: "allowed@example.com",
      notify: false
    })
    expect(allowed.identifier).toBe("allowed@example.com")
    expect((await clerk.allowlistIdentifiers.getAllowlistIdentifierList()).data.map((a) => a.id)).toContain(
      allowed.id
    )
    expect((await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(allowed.id)).deleted).toBe(true)
  })

  it("sessions and their tokens, verified by @clerk/backend's own verifyToken", async () => {
    const user = await clerk.users.createUser({ emailAddress: [`${unique("session")}@example.com`] })
    const session = await clerk.sessions.createSession({ userId: user.id })
    expect(session.userId).toBe(user.id)
    expect(session.status).toBe("active")
    expect((await clerk.sessions.getSession(session.id)).id).toBe(session.id)
    expect((await clerk.sessions.getSessionList({ userId: user.id })).data.map((s) => s.id)).toEqual([
      session.id
    ])

    const { jwt } = await clerk.sessions.getToken(session.id)
    const claims = await verifyToken(jwt, { secretKey, apiUrl: server.url })
    expect(claims.sub).toBe(user.id)
    expect(claims.sid).toBe(session.id)

    const template = await clerk.jwtTemplates.create({
      name: unique("hasura"),
      claims: { role: "user", email: "{{user.primary_email_address}}" },
      lifetime: 120
    })
    expect(template.lifetime).toBe(120)
    expect((await clerk.jwtTemplates.list()).data.map((t) => t.id)).toContain(template.id)
    const templated = await clerk.sessions.getToken(session.id, template.name)
    const templateClaims = await verifyToken(templated.jwt, { secretKey, apiUrl: server.url })
    expect(templateClaims.role).toBe("user")
    expect(templateClaims.email).toBe(user.emailAddresses[0]?.emailAddress)
    expect(
      (await clerk.jwtTemplates.update({ templateId: template.id, name: template.name, claims: { a: 1 } }))
        .claims
    ).toEqual({
      a: 1
    })
    expect((await clerk.jwtTemplates.delete(template.id)).deleted).toBe(true)

    expect((await clerk.sessions.revokeSession(session.id)).status).toBe("revoked")
    expect((await clerk.sessions.getSession(session.id)).status).toBe("revoked")
  })

  it("machines, M2M tokens and API keys", async () => {
    const caller = await clerk.machines.create({ name: unique("caller"), defaultTokenTtl: 3600 })
    const callee = await clerk.machines.create({ name: unique("callee"), scopedMachines: [caller.id] })
    expect(caller.defaultTokenTtl).toBe(3600)
    expect(callee.scopedMachines.map((m) => m.id)).toEqual([caller.id])
    expect((await clerk.machines.get(caller.id)).name).toBe(caller.name)
    const { secret } = await clerk.machines.getSecretKey(caller.id)
    expect(secret).toMatch(/^ak_/)

    const token = await clerk.m2m.createToken({ machineSecretKey: secret, secondsUntilExpiration: 600 })
    expect(token.subject).toBe(caller.id)
    expect(token.token).toMatch(/^mt_/)
    const verified = await clerk.m2m.verify({ machineSecretKey: secret, token: token.token ?? "" })
    expect(verified.id).toBe(token.id)
    expect(verified.revoked).toBe(false)
    const revoked = await clerk.m2m.revokeToken({ m2mTokenId: token.id, revocationReason: "rotated" })
    expect(revoked.revoked).toBe(true)
    expect(revoked.revocationReason).toBe("rotated")

    const owner = await clerk.users.createUser({ emailAddress: [`${unique("keys")}@example.com`] })
    const apiKey = await clerk.apiKeys.create({ name: unique("ci"), subject: owner.id, scopes: ["read"] })
    expect(apiKey.subject).toBe(owner.id)
    expect(apiKey.secret).toMatch(/^ak_/)
    const checked = await clerk.apiKeys.verify(apiKey.secret ?? "")
    expect(checked.id).toBe(apiKey.id)
    expect(checked.scopes).toEqual(["read"])
    expect((await clerk.apiKeys.list({ subject: owner.id })).data.map((k) => k.id)).toEqual([apiKey.id])
    expect((await clerk.apiKeys.revoke({ apiKeyId: apiKey.id, revocationReason: "leaked" })).revoked).toBe(
      true
    )
    expect(await refusal(clerk.apiKeys.verify(apiKey.secret ?? ""))).toMatchObject({ status: 404 })

    await clerk.machines.delete(callee.id)
    expect(await refusal(clerk.machines.get(callee.id))).toMatchObject({ status: 404 })
  })

  it("sign-in, actor and testing tokens, redirect URLs, JWKS", async () => {
    const user = await clerk.users.createUser({ emailAddress: [`${unique("tokens")}@example.com`] })
    const signIn = await clerk.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 })
    expect(signIn.userId).toBe(user.id)
    expect(signIn.token.length).toBeGreaterThan(0)
    expect((await clerk.signInTokens.revokeSignInToken(signIn.id)).status).toBe("revoked")

    const actor = await clerk.actorTokens.create({ userId: user.id, actor: { sub: "user_support" } })
    expect(actor.status).toBe("pending")
    expect(actor.actor).toEqual({ sub: "user_support" })
    expect((await clerk.actorTokens.revoke(actor.id)).status).toBe("revoked")

    const testing = await clerk.testingTokens.createTestingToken()
    expect(testing.token.length).toBeGreaterThan(0)
    // @clerk/backend hands the testing token back as Clerk sent it, in snake_case.
    expect(Reflect.get(testing, "expires_at")).toBeGreaterThan(Math.floor(Date.now() / 1000))

    const redirect = await clerk.redirectUrls.createRedirectUrl({
      url: `https://${unique("app")}.example.com/cb`
    })
    expect((await clerk.redirectUrls.getRedirectUrl(redirect.id)).url).toBe(redirect.url)
    expect((await clerk.redirectUrls.getRedirectUrlList()).data.map((r) => r.id)).toContain(redirect.id)
    await clerk.redirectUrls.deleteRedirectUrl(redirect.id)
    expect(await refusal(clerk.redirectUrls.getRedirectUrl(redirect.id))).toMatchObject({ status: 404 })

    const jwks = await clerk.jwks.getJwks()
    expect(jwks.keys?.[0]?.kty).toBe("RSA")
  })

  it("OAuth applications, SAML connections, roles and permissions, waitlist", async () => {
    const app = await clerk.oauthApplications.create({
      name: unique("partner"),
      redirectUris: ["https://partner.example.com/cb"],
      scopes: "profile email"
    })
    expect(app.clientId.length).toBeGreaterThan(0)
    expect(app.clientSecret?.length).toBeGreaterThan(0)
    const rotated = await clerk.oauthApplications.rotateSecret(app.id)
    expect(rotated.clientSecret).not.toBe(app.clientSecret)
    expect((await clerk.oauthApplications.update({ oauthApplicationId: app.id, name: "Renamed" })).name).toBe(
      "Renamed"
    )
    expect((await clerk.oauthApplications.list()).data.map((a) => a.id)).toContain(app.id)
    expect((await clerk.oauthApplications.delete(app.id)).deleted).toBe(true)

    const saml = await clerk.samlConnections.createSamlConnection({
      name: unique("okta"),
      domain: `${unique("corp")}.example.com`,
      provider: "saml_okta"
    })
    expect(saml.provider).toBe("saml_okta")
    expect((await clerk.samlConnections.getSamlConnection(saml.id)).domain).toBe(saml.domain)
    expect((await clerk.samlConnections.updateSamlConnection(saml.id, { active: true })).active).toBe(true)
    await clerk.samlConnections.deleteSamlConnection(saml.id)
    expect(await refusal(clerk.samlConnections.getSamlConnection(saml.id))).toMatchObject({ status: 404 })

    const permission = await clerk.organizationPermissions.createOrganizationPermission({
      name: "Read reports",
      key: `org:reports${++counter}:read`,
      description: "reads reports"
    })
    const role = await clerk.organizationRoles.createOrganizationRole({
      name: "Analyst",
      key: `org:analyst${++counter}`,
      description: "analyses",
      permissions: [permission.id]
    })
    expect(role.permissions.map((p) => p.key)).toEqual([permission.key])
    expect((await clerk.organizationRoles.getOrganizationRole(role.id)).key).toBe(role.key)
    const without = await clerk.organizationRoles.removePermissionFromOrganizationRole({
      organizationRoleId: role.id,
      permissionId: permission.id
    })
    expect(without.permissions).toEqual([])
    expect((await clerk.organizationRoles.deleteOrganizationRole(role.id)).deleted).toBe(true)
    expect((await clerk.organizationPermissions.deleteOrganizationPermission(permission.id)).deleted).toBe(
      true
    )

    const entry = await clerk.waitlistEntries.create({ emailAddress: `${unique("wait")}@example.com` })
    expect(entry.status).toBe("pending")
    expect((await clerk.waitlistEntries.list({ query: entry.emailAddress })).data.map((e) => e.id)).toEqual([
      entry.id
    ])
    expect((await clerk.waitlistEntries.reject(entry.id)).status).toBe("rejected")
  })
  it("bulk invitations, user invitation lists, instance-wide memberships, organization settings", async () => {
    const invited = await clerk.invitations.createInvitationBulk([
      { emailAddress: `${unique("bulk")}@example.com` },
      { emailAddress: `${unique("bulk")}@example.com`, publicMetadata: { cohort: 2 } }
    ])
    expect(invited.map((invitation) => invitation.status)).toEqual(["pending", "pending"])
    expect(invited[1]?.publicMetadata).toEqual({ cohort: 2 })

    const admin = await clerk.users.createUser({ emailAddress: [`${unique("admin")}@example.com`] })
    const org = await clerk.organizations.createOrganization({ name: "Bulk", createdBy: admin.id })
    const bulk = await clerk.organizations.createOrganizationInvitationBulk(org.id, [
      { emailAddress: `${unique("a")}@example.com`, role: "org:member", inviterUserId: admin.id },
      { emailAddress: `${unique("b")}@example.com`, role: "org:admin", inviterUserId: admin.id }
    ])
    expect(bulk.data.map((invitation) => invitation.role)).toEqual(["org:member", "org:admin"])
    const ofOrg = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id })
    expect(ofOrg.totalCount).toBe(2)

    const all = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 500 })
    expect(all.data.some((membership) => membership.organization.id === org.id)).toBe(true)

    const settings = await clerk.instance.updateOrganizationSettings({ maxAllowedMemberships: 7 })
    expect(settings.maxAllowedMemberships).toBe(7)
    expect((await clerk.instance.getOrganizationSettings()).maxAllowedMemberships).toBe(7)
  })

  it("sessions by status, clients as read models of sessions, a ban ends sessions", async () => {
    const user = await clerk.users.createUser({ emailAddress: [`${unique("client")}@example.com`] })
    const first = await clerk.sessions.createSession({ userId: user.id })
    const second = await clerk.sessions.createSession({ userId: user.id })
    await clerk.sessions.revokeSession(first.id)
    const active = await clerk.sessions.getSessionList({ userId: user.id, status: "active" })
    expect(active.data.map((session) => session.id)).toEqual([second.id])
    const client = await clerk.clients.getClient(second.clientId)
    expect(client.sessionIds).toContain(second.id)
    expect(client.lastActiveSessionId).toBe(second.id)
    expect((await clerk.clients.getClientList()).data.map((c) => c.id)).toContain(second.clientId)
    // Banning revokes every session of the user.
    await clerk.users.banUser(user.id)
    expect((await clerk.sessions.getSession(second.id)).status).not.toBe("active")
  })

  it("users: replace metadata, compromised passwords, MFA removal, OAuth tokens, memberships of a user", async () => {
    const user = await clerk.users.createUser({
      emailAddress: [`${unique("mfa")}@example.com`],
      password: "a-long-enough-password",
      publicMetadata: { a: 1, b: 2 }
    })
    const replaced = await clerk.users.replaceUserMetadata(user.id, { publicMetadata: { c: 3 } })
    expect(replaced.publicMetadata).toEqual({ c: 3 })
    // Typed as `{ userId }` by @clerk/backend, which has no class for it: Clerk's JSON comes through as sent.
    for (const answer of [
      await clerk.users.disableUserMFA(user.id),
      await clerk.users.deleteUserBackupCodes(user.id),
      await clerk.users.deleteUserTOTP(user.id)
    ])
      expect(Reflect.get(answer, "user_id")).toBe(user.id)
    const tokens = await clerk.users.getUserOauthAccessToken(user.id, "google")
    expect(tokens.data).toEqual([])
    expect((await clerk.users.getOrganizationMembershipList({ userId: user.id })).totalCount).toBe(0)
    expect((await clerk.users.getOrganizationInvitationList({ userId: user.id })).totalCount).toBe(0)
    expect((await clerk.users.setPasswordCompromised(user.id)).id).toBe(user.id)
    expect((await clerk.users.unsetPasswordCompromised(user.id)).id).toBe(user.id)
    const listed = await clerk.users.getUserList({ userId: [user.id], orderBy: "+created_at", limit: 1 })
    expect(listed.data.map((u) => u.id)).toEqual([user.id])
  })

  it("machines: list, update, rotate, scopes; API keys: get, update, secret; M2M list", async () => {
    const one = await clerk.machines.create({ name: unique("one") })
    const two = await clerk.machines.create({ name: unique("two") })
    const scope = await clerk.machines.createScope(one.id, two.id)
    expect([scope.fromMachineId, scope.toMachineId]).toEqual([one.id, two.id])
    expect((await clerk.machines.get(one.id)).scopedMachines.map((m) => m.id)).toEqual([two.id])
    await clerk.machines.deleteScope(one.id, two.id)
    expect((await clerk.machines.get(one.id)).scopedMachines).toEqual([])
    expect((await clerk.machines.update({ machineId: one.id, name: "renamed" })).name).toBe("renamed")
    expect((await clerk.machines.list({ query: "renamed" })).data.map((m) => m.id)).toEqual([one.id])
    const before = (await clerk.machines.getSecretKey(one.id)).secret
    const after = await clerk.machines.rotateSecretKey({ machineId: one.id, previousTokenTtl: 0 })
    expect(after.secret).not.toBe(before)
    expect(after.secret).toMatch(/^ak_/)

    const token = await clerk.m2m.createToken({ machineSecretKey: after.secret })
    const listed = await clerk.m2m.list({ subject: one.id })
    expect(listed.data.map((t) => t.id)).toEqual([token.id])

    const owner = await clerk.users.createUser({ emailAddress: [`${unique("key")}@example.com`] })
    const key = await clerk.apiKeys.create({ name: unique("key"), subject: owner.id })
    expect((await clerk.apiKeys.get(key.id)).name).toBe(key.name)
    const updated = await clerk.apiKeys.update({ apiKeyId: key.id, subject: owner.id, description: "ci" })
    expect(updated.description).toBe("ci")
    expect((await clerk.apiKeys.getSecret(key.id)).secret).toBe(key.secret)
  })
  it("authenticateRequest of @clerk/backend accepts the emulator's session tokens, API keys and M2M tokens", async () => {
    // A publishable key names the instance's Frontend API host; header tokens never reach it.
    const publishableKey = `pk_test_${Buffer.from("clerk.emulator.example$").toString("base64")}`
    const requestWith = (token: string) =>
      new Request("http://localhost/api", { headers: { authorization: `Bearer ${token}` } })

    const user = await clerk.users.createUser({ emailAddress: [`${unique("auth")}@example.com`] })
    const session = await clerk.sessions.createSession({ userId: user.id })
    const { jwt } = await clerk.sessions.getToken(session.id)
    const signedIn = await clerk.authenticateRequest(requestWith(jwt), { publishableKey })
    expect(signedIn.isAuthenticated).toBe(true)
    const auth = signedIn.toAuth()
    expect(auth?.tokenType === "session_token" ? [auth.userId, auth.sessionId] : auth).toEqual([
      user.id,
      session.id
    ])
    const forged = await clerk.authenticateRequest(requestWith(`${jwt.slice(0, -4)}AAAA`), { publishableKey })
    expect(forged.isAuthenticated).toBe(false)

    const key = await clerk.apiKeys.create({ name: unique("auth"), subject: user.id, scopes: ["write"] })
    const byKey = await clerk.authenticateRequest(requestWith(key.secret ?? ""), {
      publishableKey,
      acceptsToken: "api_key"
    })
    expect(byKey.isAuthenticated).toBe(true)
    const keyAuth = byKey.toAuth()
    expect(keyAuth?.tokenType === "api_key" ? [keyAuth.userId, keyAuth.scopes] : keyAuth).toEqual([
      user.id,
      ["write"]
    ])

    const caller = await clerk.machines.create({ name: unique("auth-caller") })
    const callee = await clerk.machines.create({ name: unique("auth-callee"), scopedMachines: [caller.id] })
    const callerSecret = (await clerk.machines.getSecretKey(caller.id)).secret
    const calleeSecret = (await clerk.machines.getSecretKey(callee.id)).secret
    const m2m = await clerk.m2m.createToken({ machineSecretKey: callerSecret })
    const byMachine = await clerk.authenticateRequest(requestWith(m2m.token ?? ""), {
      publishableKey,
      acceptsToken: "m2m_token",
      machineSecretKey: calleeSecret
    })
    expect(byMachine.isAuthenticated).toBe(true)
    const machineAuth = byMachine.toAuth()
    expect(machineAuth?.tokenType === "m2m_token" ? machineAuth.machineId : machineAuth).toBe(caller.id)
  })
  it("waitlist, domains, enterprise connections, role sets, instance, billing plans", async () => {
    const [first, second] = await clerk.waitlistEntries.createBulk([
      { emailAddress: `${unique("wl")}@example.com` },
      { emailAddress: `${unique("wl")}@example.com` }
    ])
    expect([first?.status, second?.status]).toEqual(["pending", "pending"])
    const invited = await clerk.waitlistEntries.invite(first?.id ?? "")
    expect(invited.status).toBe("invited")
    expect((await clerk.waitlistEntries.delete(second?.id ?? "")).deleted).toBe(true)

    // The primary domain serves the Frontend API that issues the session tokens.
    const [primary] = (await clerk.domains.list()).data
    expect(primary?.isSatellite).toBe(false)
    const { jwt } = await clerk.sessions.getToken(
      (await clerk.sessions.createSession({ userId: (await clerk.users.createUser({})).id })).id
    )
    const issuer: unknown = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()).iss
    expect(primary?.frontendApiUrl).toBe(issuer)
    const satelliteName = `${unique("sat")}.example.com`
    const satellite = await clerk.domains.add({ name: satelliteName, is_satellite: true })
    expect(satellite.isSatellite).toBe(true)
    expect(satellite.frontendApiUrl).toBe(`https://clerk.${satelliteName}`)
    expect((await clerk.domains.list()).data.map((domain) => domain.id)).toContain(satellite.id)
    expect((await clerk.domains.delete(satellite.id)).deleted).toBe(true)

    const connection = await clerk.enterpriseConnections.createEnterpriseConnection({
      name: unique("sso"),
      domains: [`${unique("sso")}.example.com`],
      provider: "saml_custom"
    })
    expect(connection.name.length).toBeGreaterThan(0)
    const renamed = await clerk.enterpriseConnections.updateEnterpriseConnection(connection.id, {
      name: "Renamed"
    })
    expect(renamed.name).toBe("Renamed")
    expect((await clerk.enterpriseConnections.getEnterpriseConnectionList()).data.map((c) => c.id)).toContain(
      connection.id
    )
    await clerk.enterpriseConnections.deleteEnterpriseConnection(connection.id)
    expect(await refusal(clerk.enterpriseConnections.getEnterpriseConnection(connection.id))).toMatchObject({
      status: 404
    })

    const roleSet = await clerk.roleSets.createRoleSet({
      name: "Support",
      key: `role_set:${unique("support").replace("-", "_")}`,
      defaultRoleKey: "org:member",
      creatorRoleKey: "org:admin",
      roles: ["org:admin", "org:member"]
    })
    expect(roleSet.roles.map((role) => role.key).sort()).toEqual(["org:admin", "org:member"])
    expect((await clerk.roleSets.getRoleSet(roleSet.id)).name).toBe("Support")

    const instance = await clerk.instance.get()
    expect(instance.id).toMatch(/^ins_/)
    expect(instance.environmentType).toBe("development")
    await clerk.instance.update({ supportEmail: "help@example.com" })
    const restrictions = await clerk.instance.updateRestrictions({ allowlist: false })
    expect(restrictions.allowlist).toBe(false)

    const plans = await clerk.billing.getPlanList()
    expect(Array.isArray(plans.data)).toBe(true)
  })
  it("agent tasks, billing subscriptions, JWT template reads, error details", async () => {
    const user = await clerk.users.createUser({ emailAddress: [`${unique("agent")}@example.com`] })
    const task = await clerk.agentTasks.create({
      onBehalfOf: { userId: user.id },
      permissions: "*",
      agentName: "Reporter",
      taskDescription: "Writes the weekly report",
      redirectUrl: "https://app.example.com/done"
    })
    expect(task.agentTaskId.length).toBeGreaterThan(0)
    expect(task.taskId).toBe(task.agentTaskId)
    expect(task.agentId.length).toBeGreaterThan(0)
    expect(task.url).toMatch(/^https:\/\//)
    expect((await clerk.agentTasks.revoke(task.agentTaskId)).agentTaskId).toBe(task.agentTaskId)

    const subscription = await clerk.billing.getUserBillingSubscription(user.id)
    expect(subscription.id).toMatch(/^csub_/)
    expect(subscription.payerId.length).toBeGreaterThan(0)
    expect((await clerk.billing.getUserBillingSubscription(user.id)).id).toBe(subscription.id)

    const template = await clerk.jwtTemplates.create({ name: unique("read"), claims: { a: "{{user.id}}" } })
    expect((await clerk.jwtTemplates.get(template.id)).name).toBe(template.name)

    // Clerk's errors reach @clerk/backend with their code, message and trace id.
    try {
      await clerk.users.getUser("user_missing")
      expect.unreachable()
    } catch (error) {
      expect(isClerkAPIResponseError(error)).toBe(true)
      if (!isClerkAPIResponseError(error)) return
      expect(error.status).toBe(404)
      expect(error.clerkTraceId?.length).toBeGreaterThan(0)
      expect(error.errors[0]?.longMessage?.length).toBeGreaterThan(0)
    }
  })

  it("a rate-limited emulator answers 429 with Retry-After, which @clerk/backend reports", async () => {
    const limited = await ClerkEmulator.startServer({
      secretKey,
      rateLimit: { limit: 2, window: "10 seconds" }
    })
    try {
      const client = createClerkClient({ secretKey, apiUrl: limited.url })
      await client.users.getCount()
      await client.users.getCount()
      try {
        await client.users.getCount()
        expect.unreachable()
      } catch (error) {
        expect(isClerkAPIResponseError(error)).toBe(true)
        if (!isClerkAPIResponseError(error)) return
        expect(error.status).toBe(429)
        expect(error.retryAfter).toBeGreaterThan(0)
        expect(error.retryAfter).toBeLessThanOrEqual(10)
      }
    } finally {
      await limited.close()
    }
  })
  it("Clerk's rules as @clerk/backend meets them", async () => {
    // A wrong secret key.
    const stranger = createClerkClient({ secretKey: "sk_test_wrong", apiUrl: server.url })
    expect(await refusal(stranger.users.getCount())).toEqual({ status: 401, code: "clerk_key_invalid" })

    // Metadata over Clerk's 8 KB limit.
    const user = await clerk.users.createUser({ emailAddress: [`${unique("rules")}@example.com`] })
    expect(
      await refusal(clerk.users.updateUserMetadata(user.id, { publicMetadata: { blob: "x".repeat(9000) } }))
    ).toMatchObject({ status: 422 })

    // Pending invitations count toward an organization's membership limit.
    const org = await clerk.organizations.createOrganization({
      name: "Small",
      createdBy: user.id,
      maxAllowedMemberships: 2
    })
    await clerk.organizations.createOrganizationInvitation({
      organizationId: org.id,
      emailAddress: `${unique("seat")}@example.com`,
      role: "org:member",
      inviterUserId: user.id
    })
    const late = await clerk.users.createUser({ emailAddress: [`${unique("late")}@example.com`] })
    expect(
      await refusal(
        clerk.organizations.createOrganizationMembership({
          organizationId: org.id,
          userId: late.id,
          role: "org:member"
        })
      )
    ).toMatchObject({ status: 403 })

    // A session starts in the organization its user last created or joined: the token says so.
    const session = await clerk.sessions.createSession({ userId: user.id })
    const claims = await verifyToken((await clerk.sessions.getToken(session.id)).jwt, {
      secretKey,
      apiUrl: server.url
    })
    expect(Reflect.get(Object(claims.o), "id")).toBe(org.id)
    expect(Reflect.get(Object(claims.o), "rol")).toBe("admin")
  })
  it("webhook deliveries pass @clerk/backend's verifyWebhook and read as its typed events", async () => {
    const received: Array<WebhookEvent> = []
    const refusals: Array<unknown> = []
    const signingSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    // An endpoint as a user's app writes it with @clerk/backend: a fetch Request in, verifyWebhook on it.
    const endpoint = createServer((incoming, outgoing) => {
      const chunks: Array<Buffer> = []
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
      incoming.on("end", () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(incoming.headers))
          if (typeof value === "string") headers.set(name, value)
        const request = new Request("http://127.0.0.1/hooks", {
          method: "POST",
          headers,
          body: Buffer.concat(chunks)
        })
        verifyWebhook(request, { signingSecret }).then(
          (event) => {
            received.push(event)
            outgoing.writeHead(204).end()
          },
          (error: unknown) => {
            refusals.push(error)
            outgoing.writeHead(400).end()
          }
        )
      })
    })
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve))
    const address = endpoint.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      await Effect.runPromise(
        server.emulator.addWebhookEndpoint(`http://127.0.0.1:${port}/hooks`, { secret: signingSecret })
      )
      const user = await clerk.users.createUser({
        emailAddress: [`${unique("hook")}@example.com`],
        firstName: "Hook"
      })
      const org = await clerk.organizations.createOrganization({ name: "Hooks", createdBy: user.id })
      await clerk.users.deleteUser(user.id)
      const wanted = [
        "user.created",
        "organization.created",
        "organizationMembership.created",
        "user.deleted"
      ]
      for (
        let waited = 0;
        wanted.some((type) => !received.some((event) => event.type === type));
        waited += 50
      ) {
        if (waited > 10_000)
          throw new Error(`events received: ${received.map((event) => event.type).join(", ")}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(refusals).toEqual([])
      const created = received.find((event) => event.type === "user.created")
      expect(created?.type === "user.created" ? [created.data.id, created.data.first_name] : created).toEqual(
        [user.id, "Hook"]
      )
      const organization = received.find((event) => event.type === "organization.created")
      expect(organization?.type === "organization.created" ? organization.data.id : organization).toBe(org.id)
    } finally {
      await new Promise((resolve) => endpoint.close(resolve))
    }
  })
  it("multipart uploads (profile image, organization logo) and list orderings", async () => {
    const png = new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], { type: "image/png" })
    const user = await clerk.users.createUser({ emailAddress: [`${unique("image")}@example.com`] })
    const imaged = await clerk.users.updateUserProfileImage(user.id, { file: png })
    expect(imaged.hasImage).toBe(true)
    expect(imaged.imageUrl).not.toBe(user.imageUrl)
    expect((await clerk.users.deleteUserProfileImage(user.id)).hasImage).toBe(false)

    const org = await clerk.organizations.createOrganization({ name: "Logo", createdBy: user.id })
    const withLogo = await clerk.organizations.updateOrganizationLogo(org.id, {
      file: png,
      uploaderUserId: user.id
    })
    expect(withLogo.hasImage).toBe(true)
    expect((await clerk.organizations.deleteOrganizationLogo(org.id)).hasImage).toBe(false)

    const names = ["Zed", "Amy", "Kim"].map((name) => `${name}${unique("order")}`)
    const made = []
    for (const firstName of names)
      made.push(
        await clerk.users.createUser({ firstName, emailAddress: [`${firstName.toLowerCase()}@example.com`] })
      )
    const ids = made.map((u) => u.id)
    const byCreation = await clerk.users.getUserList({ userId: ids, orderBy: "+created_at" })
    expect(byCreation.data.map((u) => u.id)).toEqual(ids)
    const newestFirst = await clerk.users.getUserList({ userId: ids })
    expect(newestFirst.data.map((u) => u.id)).toEqual([...ids].reverse())
    const paged = await clerk.users.getUserList({ userId: ids, orderBy: "+created_at", limit: 2, offset: 1 })
    expect(paged.data.map((u) => u.id)).toEqual(ids.slice(1))
    expect(paged.totalCount).toBe(3)
  })
})
