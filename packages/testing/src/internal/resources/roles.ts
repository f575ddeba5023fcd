/**
 * Organization roles and permissions: the defaults every instance has (see
 * systemRoles.ts) and the custom ones created through the API. A membership
 * holds a role by key; its permissions are the role's at the time they are read,
 * so what a session token carries follows the role's current permissions.
 */
import { Effect } from "effect"
import type { Handlers } from "../context.js"
import { apiError, type ClerkApiError, identifierExists, notFound, paramFormatInvalid } from "../errors.js"
import { containsFold, pageOf, paginate, sortBy } from "../params.js"
import { deletedJson, type Wire } from "../serialize.js"
import type { PermissionRecord, RoleRecord, Store } from "../store.js"

export const permissionJson = (p: PermissionRecord): Wire => ({
  object: "permission",
  id: p.id,
  name: p.name,
  key: p.key,
  description: p.description,
  type: p.type,
  created_at: p.createdAt,
  updated_at: p.updatedAt
})

export const roleJson = (store: Store, r: RoleRecord): Wire => ({
  object: "role",
  id: r.id,
  name: r.name,
  key: r.key,
  description: r.description,
  is_creator_eligible: r.isCreatorEligible,
  permissions: r.permissionIds.flatMap((id) => {
    const permission = store.permissions.get(id)
    return permission === undefined ? [] : [permissionJson(permission)]
  }),
  created_at: r.createdAt,
  updated_at: r.updatedAt
})

const findRole = (store: Store, id: string): Effect.Effect<RoleRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const role = store.roles.get(id)
    return role === undefined ? Effect.fail(notFound("organization role")) : Effect.succeed(role)
  })

const findPermission = (store: Store, id: string): Effect.Effect<PermissionRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const permission = store.permissions.get(id)
    return permission === undefined ? Effect.fail(notFound("permission")) : Effect.succeed(permission)
  })

const checkRoleKey = (store: Store, key: string, self?: RoleRecord): Effect.Effect<string, ClerkApiError> => {
  if (!/^org:[a-z0-9_]+$/.test(key))
    return Effect.fail(
      paramFormatInvalid(
        "key",
        "key must start with org: followed by lowercase letters, digits or underscores."
      )
    )
  return [...store.roles.values()].some((r) => r.key === key && r !== self)
    ? Effect.fail(identifierExists("key", "key"))
    : Effect.succeed(key)
}

const checkPermissionKey = (
  store: Store,
  key: string,
  self?: PermissionRecord
): Effect.Effect<string, ClerkApiError> => {
  if (!/^org:[a-z0-9_]+:[a-z0-9_]+$/.test(key))
    return Effect.fail(paramFormatInvalid("key", "key must have the format org:<feature>:<action>."))
  if (key.startsWith("org:sys_"))
    return Effect.fail(
      paramFormatInvalid("key", "key must not begin with org:sys_, which system permissions use.")
    )
  return [...store.permissions.values()].some((p) => p.key === key && p !== self)
    ? Effect.fail(identifierExists("key", "key"))
    : Effect.succeed(key)
}

/** The permission ids a role is given, each one existing, without repeats. */
const permissionIds = (
  store: Store,
  ids: ReadonlyArray<string> | null | undefined
): Effect.Effect<Array<string> | undefined, ClerkApiError> => {
  if (ids === undefined || ids === null) return Effect.succeed(undefined)
  const missing = ids.find((id) => !store.permissions.has(id))
  return missing === undefined
    ? Effect.succeed([...new Set(ids)])
    : Effect.fail(notFound(`permission ${missing}`))
}

const systemPermission = (permission: PermissionRecord): ClerkApiError =>
  apiError(
    403,
    "system_permission_immutable",
    "System permissions cannot be changed",
    `${permission.key} is a system permission and cannot be changed or deleted.`
  )

const search = <
  A extends { readonly id: string; readonly name: string; readonly key: string; readonly createdAt: number }
>(
  params: {
    readonly query?: string | undefined
    readonly orderBy?: string | undefined
    readonly limit?: number | undefined
    readonly offset?: number | undefined
  },
  items: Iterable<A>,
  toJson: (item: A) => Wire
) => {
  const text = params.query
  const matching = [...items].filter(
    (item) =>
      text === undefined || item.id === text || containsFold(item.name, text) || containsFold(item.key, text)
  )
  return Effect.map(
    sortBy(
      params.orderBy,
      matching,
      { created_at: (item) => item.createdAt, name: (item) => item.name, key: (item) => item.key },
      "-created_at"
    ),
    (sorted) => ({ data: paginate(sorted, pageOf(params)).map(toJson), total_count: sorted.length })
  )
}

export const handlers: Handlers = {
  ListOrganizationRoles: (params, { store }) =>
    search(params, store.roles.values(), (r) => roleJson(store, r)),
  CreateOrganizationRole: (params, { store }) =>
    Effect.gen(function* () {
      const key = yield* checkRoleKey(store, params.key)
      const permissions = yield* permissionIds(store, params.permissions)
      const now = store.now()
      const role: RoleRecord = {
        id: store.newId("role"),
        key,
        name: params.name,
        description: params.description ?? null,
        permissionIds: permissions ?? [],
        isCreatorEligible: false,
        createdAt: now,
        updatedAt: now
      }
      store.roles.set(role.id, role)
      return roleJson(store, role)
    }),
  GetOrganizationRole: (params, { store }) =>
    Effect.map(findRole(store, params.organizationRoleId), (role) => roleJson(store, role)),
  UpdateOrganizationRole: (params, { store }) =>
    Effect.gen(function* () {
      const role = yield* findRole(store, params.organizationRoleId)
      const key = params.key ? yield* checkRoleKey(store, params.key, role) : undefined
      const permissions = yield* permissionIds(store, params.permissions)
      if (params.name) role.name = params.name
      if (key !== undefined && key !== role.key) {
        // Memberships hold the role itself, so they follow its new key.
        for (const m of store.memberships.values()) if (m.role === role.key) m.role = key
        role.key = key
      }
      if (params.description !== undefined) role.description = params.description
      if (permissions !== undefined) role.permissionIds = permissions
      role.updatedAt = store.now()
      return roleJson(store, role)
    }),
  DeleteOrganizationRole: (params, { store }) =>
    Effect.gen(function* () {
      const role = yield* findRole(store, params.organizationRoleId)
      if ([...store.memberships.values()].some((m) => m.role === role.key)) {
        return yield* apiError(
          422,
          "organization_role_in_use",
          "Role is in use",
          `Members hold the role ${role.key}; give them another role before deleting it.`
        )
      }
      store.roles.delete(role.id)
      return deletedJson("role", role.id)
    }),
  AssignPermissionToOrganizationRole: (params, { store }) =>
    Effect.gen(function* () {
      const role = yield* findRole(store, params.organizationRoleId)
      const permission = yield* findPermission(store, params.permissionId)
      if (role.permissionIds.includes(permission.id)) {
        return yield* apiError(
          409,
          "permission_already_assigned",
          "Permission already assigned",
          `The role ${role.key} already has the permission ${permission.key}.`
        )
      }
      role.permissionIds.push(permission.id)
      role.updatedAt = store.now()
      return roleJson(store, role)
    }),
  RemovePermissionFromOrganizationRole: (params, { store }) =>
    Effect.gen(function* () {
      const role = yield* findRole(store, params.organizationRoleId)
      const permission = yield* findPermission(store, params.permissionId)
      if (!role.permissionIds.includes(permission.id)) {
        return yield* apiError(
          422,
          "permission_not_assigned",
          "Permission not assigned",
          `The role ${role.key} does not have the permission ${permission.key}.`
        )
      }
      role.permissionIds = role.permissionIds.filter((id) => id !== permission.id)
      role.updatedAt = store.now()
      return roleJson(store, role)
    }),
  ListOrganizationPermissions: (params, { store }) =>
    search(params, store.permissions.values(), permissionJson),
  CreateOrganizationPermission: (params, { store }) =>
    Effect.gen(function* () {
      const key = yield* checkPermissionKey(store, params.key)
      const now = store.now()
      const permission: PermissionRecord = {
        id: store.newId("perm"),
        key,
        name: params.name,
        description: params.description ?? "",
        type: "user",
        createdAt: now,
        updatedAt: now
      }
      store.permissions.set(permission.id, permission)
      return permissionJson(permission)
    }),
  GetOrganizationPermission: (params, { store }) =>
    Effect.map(findPermission(store, params.permissionId), permissionJson),
  UpdateOrganizationPermission: (params, { store }) =>
    Effect.gen(function* () {
      const permission = yield* findPermission(store, params.permissionId)
      if (permission.type === "system") return yield* systemPermission(permission)
      const key = params.key ? yield* checkPermissionKey(store, params.key, permission) : undefined
      if (params.name) permission.name = params.name
      if (key !== undefined) permission.key = key
      if (params.description !== undefined) permission.description = params.description
      permission.updatedAt = store.now()
      return permissionJson(permission)
    }),
  DeleteOrganizationPermission: (params, { store }) =>
    Effect.gen(function* () {
      const permission = yield* findPermission(store, params.permissionId)
      if (permission.type === "system") return yield* systemPermission(permission)
      for (const role of store.roles.values()) {
        role.permissionIds = role.permissionIds.filter((id) => id !== permission.id)
      }
      store.permissions.delete(permission.id)
      return deletedJson("permission", permission.id)
    })
}
