import { Effect } from "effect"
import { type ClerkApiError, notFound } from "./errors.js"
import type { OrganizationRecord, Store, UserRecord } from "./store.js"

export const findUser = (store: Store, id: string): Effect.Effect<UserRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const user = store.users.get(id)
    return user === undefined ? Effect.fail(notFound("user")) : Effect.succeed(user)
  })

/** Organizations are addressed by id or by slug. */
export const findOrganization = (
  store: Store,
  idOrSlug: string
): Effect.Effect<OrganizationRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const byId = store.organizations.get(idOrSlug)
    if (byId !== undefined) return Effect.succeed(byId)
    for (const o of store.organizations.values()) if (o.slug === idOrSlug) return Effect.succeed(o)
    return Effect.fail(notFound("organization"))
  })
