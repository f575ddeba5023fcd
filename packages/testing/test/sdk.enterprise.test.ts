import {
  EnterpriseConnections,
  OrganizationDomains,
  Organizations,
  RoleSets,
  SamlConnections,
  ScimDirectories,
  Users
} from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// Enterprise sign-in through the SDK: SAML and enterprise connections, SCIM directories,
// organization domains and role sets, each from create to 404 after delete.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Enterprise resources through the SDK", (it) => {
  it.effect("SAML connections: create, get, list by organization, update, delete and 404 afterwards", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ firstName: "Owner" })
      const org = yield* Organizations.create({ name: "Acme", createdBy: owner.id })
      const saml = yield* SamlConnections.create({
        name: "Acme Okta",
        domains: ["acme.test"],
        provider: "saml_okta",
        organizationId: org.id
      })
      expect(saml).toMatchObject({ object: "saml_connection", name: "Acme Okta", provider: "saml_okta" })
      const other = yield* SamlConnections.create({
        name: "Other",
        domain: "other.test",
        provider: "saml_custom"
      })
      expect(yield* SamlConnections.get({ samlConnectionId: saml.id })).toMatchObject({ id: saml.id })
      const ofOrg = yield* SamlConnections.list({ organizationId: [org.id] })
      expect(ofOrg.data.map((c) => c.id)).toEqual([saml.id])
      expect((yield* SamlConnections.list({})).totalCount).toBe(2)
      const renamed = yield* SamlConnections.update({
        samlConnectionId: saml.id,
        name: "Acme SSO",
        active: true
      })
      expect(renamed).toMatchObject({ id: saml.id, name: "Acme SSO", active: true })
      expect(yield* SamlConnections.delete({ samlConnectionId: saml.id })).toMatchObject({
        id: saml.id,
        deleted: true
      })
      expect(yield* Effect.flip(SamlConnections.get({ samlConnectionId: saml.id }))).toMatchObject(notFound)
      expect((yield* SamlConnections.list({})).data.map((c) => c.id)).toEqual([other.id])
    })
  )

  it.effect("enterprise connections and their SCIM directory: create, filter, update, rotate, delete", () =>
    Effect.gen(function* () {
      const connection = yield* EnterpriseConnections.create({
        name: "Globex OIDC",
        provider: "oidc_custom",
        domains: ["globex.test"],
        active: false
      })
      expect(connection).toMatchObject({ name: "Globex OIDC", active: false })
      expect((yield* EnterpriseConnections.list({ active: true })).data).toEqual([])
      yield* EnterpriseConnections.update({ enterpriseConnectionId: connection.id, active: true })
      expect((yield* EnterpriseConnections.list({ active: true })).data.map((c) => c.id)).toEqual([
        connection.id
      ])

      const directory = yield* ScimDirectories.create({
        enterpriseConnectionId: connection.id,
        name: "Globex directory",
        provider: "okta"
      })
      expect(directory).toMatchObject({ object: "scim_directory", enterpriseConnectionId: connection.id })
      expect(yield* ScimDirectories.get({ scimDirectoryId: directory.id })).toMatchObject({
        id: directory.id,
        name: "Globex directory"
      })
      const disabled = yield* ScimDirectories.update({ scimDirectoryId: directory.id, enabled: false })
      expect(disabled.enabled).toBe(false)
      expect((yield* ScimDirectories.list({})).data.map((d) => d.id)).toEqual([directory.id])
      yield* ScimDirectories.delete({ scimDirectoryId: directory.id })
      expect(yield* Effect.flip(ScimDirectories.get({ scimDirectoryId: directory.id }))).toMatchObject(
        notFound
      )

      yield* EnterpriseConnections.delete({ enterpriseConnectionId: connection.id })
      expect(
        yield* Effect.flip(EnterpriseConnections.get({ enterpriseConnectionId: connection.id }))
      ).toMatchObject(notFound)
    })
  )

  it.effect("organization domains: create, list by verified, verify ownership, update, delete", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ firstName: "Domain owner" })
      const org = yield* Organizations.create({ name: "Initech", createdBy: owner.id })
      const domain = yield* OrganizationDomains.create({
        organizationId: org.id,
        name: "initech.test",
        enrollmentMode: "automatic_invitation",
        verified: false
      })
      expect(domain).toMatchObject({
        object: "organization_domain",
        name: "initech.test",
        organizationId: org.id
      })
      expect((yield* OrganizationDomains.list({ organizationId: org.id, verified: "true" })).data).toEqual([])
      yield* OrganizationDomains.verifyOwnership({ organizationId: org.id, domainId: domain.id })
      const verified = yield* OrganizationDomains.list({ organizationId: org.id, verified: "true" })
      expect(verified.data.map((d) => d.id)).toEqual([domain.id])
      const updated = yield* OrganizationDomains.update({
        organizationId: org.id,
        domainId: domain.id,
        enrollmentMode: "manual_invitation"
      })
      expect(updated.enrollmentMode).toBe("manual_invitation")
      yield* OrganizationDomains.delete({ organizationId: org.id, domainId: domain.id })
      expect((yield* OrganizationDomains.list({ organizationId: org.id })).data).toEqual([])
      expect(
        yield* Effect.flip(OrganizationDomains.delete({ organizationId: org.id, domainId: domain.id }))
      ).toMatchObject(notFound)
    })
  )

  it.effect("role sets: create, get by key or id, list by query, update", () =>
    Effect.gen(function* () {
      const set = yield* RoleSets.create({
        name: "Support desk",
        key: "role_set:support",
        defaultRoleKey: "org:member",
        creatorRoleKey: "org:admin",
        roles: ["org:admin", "org:member"]
      })
      expect(set).toMatchObject({ object: "role_set", name: "Support desk", key: "role_set:support" })
      expect(set.roles.map((role) => role.key)).toEqual(["org:admin", "org:member"])
      expect(set.defaultRole?.key).toBe("org:member")
      expect(
        yield* Effect.flip(
          RoleSets.create({
            name: "Broken",
            defaultRoleKey: "org:member",
            creatorRoleKey: "org:admin",
            roles: ["org:nobody"]
          })
        )
      ).toMatchObject({ _tag: "ClerkUnprocessableEntity", errors: [{ code: "form_param_value_invalid" }] })
      expect(yield* RoleSets.get({ roleSetKeyOrId: "role_set:support" })).toMatchObject({ id: set.id })
      expect(yield* RoleSets.get({ roleSetKeyOrId: set.id })).toMatchObject({ key: "role_set:support" })
      expect((yield* RoleSets.list({ query: "support" })).data.map((s) => s.id)).toEqual([set.id])
      expect((yield* RoleSets.list({ query: "billing" })).data).toEqual([])
      const renamed = yield* RoleSets.update({ roleSetKeyOrId: set.id, name: "Helpdesk" })
      expect(renamed).toMatchObject({ id: set.id, name: "Helpdesk" })
      expect(yield* Effect.flip(RoleSets.get({ roleSetKeyOrId: "role_set:missing" }))).toMatchObject(notFound)
    })
  )
})
