/**
 * Organization roles and permissions: the defaults every instance has (see
 * systemRoles.ts) and the custom ones created through the API. A membership
 * holds a role by key; its permissions are the role's at the time they are read,
 * so what a session token carries follows the role's current permissions.
 */
import { type RawHandler, type RawContext, param, sync } from "./context.js"
import { apiError, type ClerkApiError, identifierExists, notFound, paramFormatInvalid } from "./errors.js"
import {
  bodyObject,
  containsFold,
  type JsonObject,
  optString,
  optStringArray,
  orderBy,
  page,
  paginate,
  queryString,
  reqString
} from "./params.js"
import { deletedJson, type Wire } from "./serialize.js"
import type { PermissionRecord, RoleRecord, Store } from "./store.js"

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

const roleParam = (ctx: RawContext): RoleRecord => {
  const role = ctx.store.roles.get(param(ctx, "organization_role_id"))
  if (role === undefined) throw notFound("organization role")
  return role
}

const permissionParam = (ctx: RawContext): PermissionRecord => {
  const permission = ctx.store.permissions.get(param(ctx, "permission_id"))
  if (permission === undefined) throw notFound("permission")
  return permission
}

const checkRoleKey = (store: Store, key: string, self?: RoleRecord): string => {
  if (!/^org:[a-z0-9_]+$/.test(key)) {
    throw paramFormatInvalid(
      "key",
      "key must start with org: followed by lowercase letters, digits or underscores."
    )
  }
  if ([...store.roles.values()].some((r) => r.key === key && r !== self)) throw identifierExists("key", "key")
  return key
}

const checkPermissionKey = (store: Store, key: string, self?: PermissionRecord): string => {
  if (!/^org:[a-z0-9_]+:[a-z0-9_]+$/.test(key)) {
    throw paramFormatInvalid("key", "key must have the format org:<feature>:<action>.")
  }
  if (key.startsWith("org:sys_")) {
    throw paramFormatInvalid("key", "key must not begin with org:sys_, which system permissions use.")
  }
  if ([...store.permissions.values()].some((p) => p.key === key && p !== self)) {
    throw identifierExists("key", "key")
  }
  return key
}

/** The permission ids a role is given, each one existing, without repeats. */
const permissionIds = (store: Store, body: JsonObject): Array<string> | undefined => {
  const ids = optStringArray(body, "permissions")
  if (ids === undefined) return undefined
  for (const id of ids) if (!store.permissions.has(id)) throw notFound(`permission ${id}`)
  return [...new Set(ids)]
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
  ctx: RawContext,
  items: Iterable<A>,
  toJson: (item: A) => Wire
) => {
  const p = page(ctx.query)
  const text = queryString(ctx.query, "query")
  const matching = [...items].filter(
    (item) =>
      text === undefined || item.id === text || containsFold(item.name, text) || containsFold(item.key, text)
  )
  const sorted = orderBy(
    ctx.query,
    matching,
    { created_at: (item) => item.createdAt, name: (item) => item.name, key: (item) => item.key },
    "-created_at"
  )
  return { data: paginate(sorted, p).map(toJson), total_count: sorted.length }
}

export const handlers: Record<string, RawHandler> = {
  ListOrganizationRoles: sync((ctx) => search(ctx, ctx.store.roles.values(), (r) => roleJson(ctx.store, r))),
  CreateOrganizationRole: sync((ctx) => {
    const { store } = ctx
    const body = bodyObject(ctx.body)
    const name = reqString(body, "name")
    const key = checkRoleKey(store, reqString(body, "key"))
    const now = store.now()
    const role: RoleRecord = {
      id: store.newId("role"),
      key,
      name,
      description: optString(body, "description") ?? null,
      permissionIds: permissionIds(store, body) ?? [],
      isCreatorEligible: false,
      createdAt: now,
      updatedAt: now
    }
    store.roles.set(role.id, role)
    return roleJson(store, role)
  }),
  GetOrganizationRole: sync((ctx) => roleJson(ctx.store, roleParam(ctx))),
  UpdateOrganizationRole: sync((ctx) => {
    const { store } = ctx
    const role = roleParam(ctx)
    const body = bodyObject(ctx.body)
    const name = optString(body, "name")
    const rawKey = optString(body, "key")
    const key = rawKey ? checkRoleKey(store, rawKey, role) : undefined
    const description = optString(body, "description")
    const permissions = permissionIds(store, body)
    if (name) role.name = name
    if (key !== undefined && key !== role.key) {
      // Memberships hold the role itself, so they follow its new key.
      for (const m of store.memberships.values()) if (m.role === role.key) m.role = key
      role.key = key
    }
    if (description !== undefined) role.description = description
    if (permissions !== undefined) role.permissionIds = permissions
    role.updatedAt = store.now()
    return roleJson(store, role)
  }),
  DeleteOrganizationRole: sync((ctx) => {
    const { store } = ctx
    const role = roleParam(ctx)
    if ([...store.memberships.values()].some((m) => m.role === role.key)) {
      throw apiError(
        422,
        "organization_role_in_use",
        "Role is in use",
        `Members hold the role ${role.key}; give them another role before deleting it.`
      )
    }
    store.roles.delete(role.id)
    return deletedJson("role", role.id)
  }),
  AssignPermissionToOrganizationRole: sync((ctx) => {
    const role = roleParam(ctx)
    const permission = permissionParam(ctx)
    if (role.permissionIds.includes(permission.id)) {
      throw apiError(
        409,
        "permission_already_assigned",
        "Permission already assigned",
        `The role ${role.key} already has the permission ${permission.key}.`
      )
    }
    role.permissionIds.push(permission.id)
    role.updatedAt = ctx.store.now()
    return roleJson(ctx.store, role)
  }),
  RemovePermissionFromOrganizationRole: sync((ctx) => {
    const role = roleParam(ctx)
    const permission = permissionParam(ctx)
    if (!role.permissionIds.includes(permission.id)) {
      throw apiError(
        422,
        "permission_not_assigned",
        "Permission not assigned",
        `The role ${role.key} does not have the permission ${permission.key}.`
      )
    }
    role.permissionIds = role.permissionIds.filter((id) => id !== permission.id)
    role.updatedAt = ctx.store.now()
    return roleJson(ctx.store, role)
  }),
  ListOrganizationPermissions: sync((ctx) => search(ctx, ctx.store.permissions.values(), permissionJson)),
  CreateOrganizationPermission: sync((ctx) => {
    const { store } = ctx
    const body = bodyObject(ctx.body)
    const name = reqString(body, "name")
    const key = checkPermissionKey(store, reqString(body, "key"))
    const now = store.now()
    const permission: PermissionRecord = {
      id: store.newId("perm"),
      key,
      name,
      description: optString(body, "description") ?? "",
      type: "user",
      createdAt: now,
      updatedAt: now
    }
    store.permissions.set(permission.id, permission)
    return permissionJson(permission)
  }),
  GetOrganizationPermission: sync((ctx) => permissionJson(permissionParam(ctx))),
  UpdateOrganizationPermission: sync((ctx) => {
    const { store } = ctx
    const permission = permissionParam(ctx)
    if (permission.type === "system") throw systemPermission(permission)
    const body = bodyObject(ctx.body)
    const name = optString(body, "name")
    const rawKey = optString(body, "key")
    const key = rawKey ? checkPermissionKey(store, rawKey, permission) : undefined
    const description = optString(body, "description")
    if (name) permission.name = name
    if (key !== undefined) permission.key = key
    if (description !== undefined && description !== null) permission.description = description
    permission.updatedAt = store.now()
    return permissionJson(permission)
  }),
  DeleteOrganizationPermission: sync((ctx) => {
    const { store } = ctx
    const permission = permissionParam(ctx)
    if (permission.type === "system") throw systemPermission(permission)
    for (const role of store.roles.values()) {
      role.permissionIds = role.permissionIds.filter((id) => id !== permission.id)
    }
    store.permissions.delete(permission.id)
    return deletedJson("permission", permission.id)
  })
}
