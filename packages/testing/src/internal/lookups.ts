import { type RawContext, param } from "./context.js"
import { notFound } from "./errors.js"
import type { OrganizationRecord, Store, UserRecord } from "./store.js"

export const findUser = (store: Store, id: string): UserRecord => {
  const user = store.users.get(id)
  if (user === undefined) throw notFound("user")
  return user
}

/** Organizations are addressed by id or by slug. */
export const findOrganization = (store: Store, idOrSlug: string): OrganizationRecord => {
  const byId = store.organizations.get(idOrSlug)
  if (byId !== undefined) return byId
  for (const o of store.organizations.values()) if (o.slug === idOrSlug) return o
  throw notFound("organization")
}

export const userParam = (ctx: RawContext): UserRecord => findUser(ctx.store, param(ctx, "user_id"))

export const organizationParam = (ctx: RawContext): OrganizationRecord =>
  findOrganization(ctx.store, param(ctx, "organization_id"))
