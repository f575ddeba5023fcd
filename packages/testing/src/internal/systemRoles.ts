/**
 * The roles and permissions every Clerk instance starts with: the system
 * permissions (`org:sys_*`, which no API call may create, change or delete)
 * and the default Admin and Member roles holding them.
 */
import { makeId } from "./ids.js"
import type { PermissionRecord, RoleRecord, Store } from "./store.js"

const systemPermissions: ReadonlyArray<readonly [key: string, name: string]> = [
  ["org:sys_profile:manage", "Manage organization"],
  ["org:sys_profile:delete", "Delete organization"],
  ["org:sys_memberships:read", "Read members"],
  ["org:sys_memberships:manage", "Manage members"],
  ["org:sys_domains:read", "Read domains"],
  ["org:sys_domains:manage", "Manage domains"]
]

const defaultRoles: ReadonlyArray<{
  readonly key: string
  readonly name: string
  readonly isCreatorEligible: boolean
  readonly permissions: ReadonlyArray<string>
}> = [
  {
    key: "org:admin",
    name: "Admin",
    isCreatorEligible: true,
    permissions: systemPermissions.map(([key]) => key)
  },
  { key: "org:member", name: "Member", isCreatorEligible: false, permissions: ["org:sys_memberships:read"] }
]

export const seedSystemRoles = (store: Store): void => {
  const now = store.now()
  const idsByKey = new Map<string, string>()
  for (const [key, name] of systemPermissions) {
    const permission: PermissionRecord = {
      id: makeId("perm"),
      key,
      name,
      description: "",
      type: "system",
      createdAt: now,
      updatedAt: now
    }
    store.permissions.set(permission.id, permission)
    idsByKey.set(key, permission.id)
  }
  for (const role of defaultRoles) {
    const record: RoleRecord = {
      id: makeId("role"),
      key: role.key,
      name: role.name,
      description: null,
      permissionIds: role.permissions.flatMap((key) => idsByKey.get(key) ?? []),
      isCreatorEligible: role.isCreatorEligible,
      createdAt: now,
      updatedAt: now
    }
    store.roles.set(record.id, record)
  }
}
