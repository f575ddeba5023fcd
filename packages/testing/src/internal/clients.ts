/**
 * Clients as read models of what sessions did: a client is the sessions created
 * on it, answered with the latest as its active one.
 */
import { type Handler, sync } from "./context.js"
import { listAnswer, page } from "./params.js"
import type { JsonRecord } from "./shape.js"
import { sessionJson } from "./serialize.js"
import type { Store } from "./store.js"

/** A client is a read model of the sessions it holds. */
export const clientRecord = (store: Store, id: string): JsonRecord | undefined => {
  const sessions = [...store.sessions.values()].filter((session) => session.clientId === id)
  const latest = sessions[sessions.length - 1]
  if (latest === undefined) return undefined
  return {
    object: "client",
    id,
    session_ids: sessions.map((session) => session.id),
    sessions: sessions.map(sessionJson),
    sign_in_id: null,
    sign_up_id: null,
    last_active_session_id: latest.id,
    // Sessions here are created through the API, not by a sign-in strategy.
    last_authentication_strategy: null,
    created_at: sessions[0]?.createdAt,
    updated_at: latest.updatedAt
  }
}

/** Every client that holds a session, newest first. */
const clientIds = (store: Store): ReadonlyArray<string> => {
  const ids: Array<string> = []
  for (const session of store.sessions.values())
    if (!ids.includes(session.clientId)) ids.push(session.clientId)
  return ids.reverse()
}

export const handlers: Record<string, Handler> = {
  GetClientList: sync((ctx) =>
    listAnswer(ctx.query, page(ctx.query), clientIds(ctx.store), (id) => clientRecord(ctx.store, id))
  )
}
