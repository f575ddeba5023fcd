import {
  JwtTemplates,
  Machines,
  OrganizationPermissions,
  OrganizationRoles,
  Sessions,
  Users
} from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { decodeJwt } from "jose"
import { sharedEmulator } from "./sdk.js"

// Organization permissions and roles, JWT templates and machine scopes through the SDK
// (sessionClaims.test.ts drives the same resources over raw HTTP for the token claims).

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Roles, permissions, JWT templates and machine scopes through the SDK", (it) => {
  it.effect(
    "permissions and roles: create, assign, list by query, update, remove, delete, 404 afterwards",
    () =>
      Effect.gen(function* () {
        const read = yield* OrganizationPermissions.create({ name: "Read reports", key: "org:reports:read" })
        expect(read).toMatchObject({ object: "permission", key: "org:reports:read" })
        expect(yield* OrganizationPermissions.get({ permissionId: read.id })).toMatchObject({ id: read.id })
        const role = yield* OrganizationRoles.create({
          name: "Analyst",
          key: "org:analyst",
          permissions: [read.id]
        })
        expect(role.permissions.map((p) => p.key)).toEqual(["org:reports:read"])
        expect((yield* OrganizationRoles.list({ query: "analyst" })).data.map((r) => r.id)).toEqual([role.id])

        const write = yield* OrganizationPermissions.create({
          name: "Write reports",
          key: "org:reports:write"
        })
        const assigned = yield* OrganizationRoles.assignPermission({
          organizationRoleId: role.id,
          permissionId: write.id
        })
        expect(assigned.permissions.map((p) => p.key)).toEqual(["org:reports:read", "org:reports:write"])
        const removed = yield* OrganizationRoles.removePermission({
          organizationRoleId: role.id,
          permissionId: read.id
        })
        expect(removed.permissions.map((p) => p.key)).toEqual(["org:reports:write"])
        expect(
          (yield* OrganizationRoles.update({ organizationRoleId: role.id, name: "Senior analyst" })).name
        ).toBe("Senior analyst")

        yield* OrganizationRoles.delete({ organizationRoleId: role.id })
        expect(yield* Effect.flip(OrganizationRoles.get({ organizationRoleId: role.id }))).toMatchObject(
          notFound
        )
        const renamed = yield* OrganizationPermissions.update({ permissionId: read.id, name: "See reports" })
        expect(renamed.name).toBe("See reports")
        yield* OrganizationPermissions.delete({ permissionId: read.id })
        expect(yield* Effect.flip(OrganizationPermissions.get({ permissionId: read.id }))).toMatchObject(
          notFound
        )
      })
  )

  it.effect("JWT templates: create, get, list, update; a session's token follows the template; delete", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Templated", emailAddress: ["t@templates.test"] })
      const session = yield* Sessions.create({ userId: user.id })
      const template = yield* JwtTemplates.create({
        name: "warehouse",
        claims: { aud: "warehouse", name: "{{user.first_name}}" },
        lifetime: 120
      })
      expect(template).toMatchObject({ object: "jwt_template", name: "warehouse", lifetime: 120 })
      expect(yield* JwtTemplates.get({ templateId: template.id })).toMatchObject({ id: template.id })
      expect((yield* JwtTemplates.list({})).map((t) => t.id)).toEqual([template.id])
      const first = yield* Sessions.createTokenFromTemplate({
        sessionId: session.id,
        templateName: "warehouse"
      })
      expect(decodeJwt(first.jwt ?? "")).toMatchObject({ aud: "warehouse", name: "Templated", sub: user.id })

      yield* JwtTemplates.update({
        templateId: template.id,
        name: "warehouse",
        claims: { aud: "warehouse-v2" }
      })
      const second = yield* Sessions.createTokenFromTemplate({
        sessionId: session.id,
        templateName: "warehouse"
      })
      expect(decodeJwt(second.jwt ?? "").aud).toBe("warehouse-v2")

      yield* JwtTemplates.delete({ templateId: template.id })
      expect(yield* Effect.flip(JwtTemplates.get({ templateId: template.id }))).toMatchObject(notFound)
      expect(
        yield* Effect.flip(
          Sessions.createTokenFromTemplate({ sessionId: session.id, templateName: "warehouse" })
        )
      ).toMatchObject(notFound)
    })
  )

  it.effect("machine scopes: one machine may call another until the scope is deleted", () =>
    Effect.gen(function* () {
      const caller = yield* Machines.create({ name: "caller" })
      const callee = yield* Machines.create({ name: "callee" })
      const scope = yield* Machines.createScope({ machineId: caller.id, toMachineId: callee.id })
      expect(scope).toMatchObject({ fromMachineId: caller.id, toMachineId: callee.id })
      yield* Machines.deleteScope({ machineId: caller.id, otherMachineId: callee.id })
      expect(
        yield* Effect.flip(Machines.deleteScope({ machineId: caller.id, otherMachineId: callee.id }))
      ).toMatchObject(notFound)
    })
  )
})
