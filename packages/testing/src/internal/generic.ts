/**
 * The operations without a module of their own answer from the spec: each path is
 * read as a collection (`/machines`), an item in it (`/machines/{machine_id}`), an
 * action on an item (`/machines/{machine_id}/secret_key/rotate`) or a singleton
 * (`/instance`), and answers from a store kept per concrete path, filled out to the
 * spec's shape of the answer. So every such resource is stateful: what a create
 * stores, a get answers, an update changes and a delete removes.
 */
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { clientRecord } from "./resources/clients.js"
import type { Wire } from "./decode.js"
import { apiError, type ClerkApiError, notFound } from "./errors.js"
import type { SigningKeys } from "./keys.js"
import { makeId, randomBase62 } from "./ids.js"
import { operations } from "./generated/operations.js"
import {
  deref,
  fill,
  isRecord,
  type JsonRecord,
  type OperationSpec,
  patterned,
  propertiesOf,
  type Shape
} from "./shape.js"
import { idFilter, passesIdFilter } from "./params.js"
import {
  emailAddressJson,
  invitationJson,
  organizationInvitationJson,
  organizationJson,
  phoneNumberJson,
  sessionJson,
  userJson
} from "./serialize.js"
import type { Store } from "./store.js"

const segmentsOf = (path: string): ReadonlyArray<string> => path.split("/").slice(1)
const isParam = (segment: string | undefined): boolean => segment?.startsWith("{") ?? false
const nameOf = (segment: string): string => segment.slice(1, -1)
const parentOf = (path: string): string => path.slice(0, path.lastIndexOf("/"))

/** Paths of collections: the parent of an item path, or a path whose GET answers a list. */
const collections: ReadonlySet<string> = new Set(
  operations.flatMap((op) => {
    const segments = segmentsOf(op.path)
    const found: Array<string> = []
    segments.forEach((segment, i) => {
      if (isParam(segment)) found.push(`/${segments.slice(0, i).join("/")}`)
    })
    if (op.method === "GET" && op.response !== undefined && listKind(op.response) !== undefined)
      found.push(op.path)
    return found
  })
)

function listKind(response: Shape): "array" | "data" | undefined {
  const shape = deref(response)
  if (shape.type === "array") return "array"
  return itemsKey(shape) === undefined ? undefined : "data"
}

/** The key of a paged answer's items: `data` beside `total_count`, or a named list (`m2m_tokens`). */
function itemsKey(shape: Shape): string | undefined {
  const properties = shape.properties ?? {}
  if (properties.total_count === undefined) return undefined
  return Object.keys(properties).find((key) => deref(properties[key] ?? {}).type === "array")
}

/** Clerk's id prefixes for the objects the generic store creates; others get the object's initials. */
const prefixes: Record<string, string> = {
  actor_token: "act",
  api_key: "ak",
  commerce_subscription: "csub",
  domain: "dmn",
  m2m_token: "mt",
  machine: "mch",
  oauth_application: "oa",
  organization_domain: "orgdmn",
  redirect_url: "ru",
  saml_connection: "samlc",
  sign_in_token: "sit",
  waitlist_entry: "wle"
}

/** Prefixes of secrets by object, as the auth package tells machine tokens apart by them. */
const secretPrefixes: Record<string, string> = {
  api_key: "ak_",
  m2m_token: "mt_",
  machine_to_machine_token: "mt_",
  machine: "ak_"
}

const secretKeys = ["secret", "token", "client_secret", "secret_key"]

/** Stable per agent name within the instance, as Clerk's `agent_id` is. */
const agentIdOf = (name: unknown): string =>
  `agt_${createHash("sha256").update(String(name)).digest("base64url").slice(0, 27)}`

/**
 * Fields an object gets when it is created, beside its id and secrets: a
 * subscription's payer; an OAuth application's public client id; an agent task's agent, its deprecated
 * `task_id` alias and the Frontend API URL that signs the agent in.
 */
const minted: Record<string, (request: GenericRequest, fields: JsonRecord, id: string) => JsonRecord> = {
  commerce_subscription: () => ({ payer_id: makeId("cpayer") }),
  oauth_application: () => ({ client_id: randomBase62(16) }),
  agent_task: (request, fields, id) => ({
    agent_id: agentIdOf(fields.agent_name),
    task_id: id,
    url: `${request.keys.issuer}/v1/agents/tasks/${id}/accept?token=${randomBase62(32)}`
  })
}

const machinesPath = "/machines"
const scopesPath = (machineId: string) => `${machinesPath}/${encodeURIComponent(machineId)}/scopes`

/**
 * A machine created with `scoped_machines` gets a scope to each, as
 * `POST /machines/{id}/scopes` would make it; an id that names no machine is refused.
 */
const addScopes = (
  store: Store,
  machineId: string,
  targets: unknown,
  now: number
): Effect.Effect<void, ClerkApiError> => {
  if (!Array.isArray(targets)) return Effect.void
  const machines = collection(store, machinesPath)
  const missing = targets.filter((target) => typeof target !== "string" || !machines.has(target))
  if (missing.length > 0)
    return Effect.fail(
      apiError(
        422,
        "form_param_value_invalid",
        "is invalid",
        `${missing.map(String).join(", ")} ${missing.length === 1 ? "is" : "are"} not a machine of this instance.`,
        { param_name: "scoped_machines" }
      )
    )
  const scopes = collection(store, scopesPath(machineId))
  for (const target of targets as ReadonlyArray<string>)
    scopes.set(target, {
      object: "machine_scope",
      id: target,
      from_machine_id: machineId,
      to_machine_id: target,
      other_machine_id: target,
      created_at: now,
      updated_at: now
    })
  return Effect.void
}

/** Whether `token` is the secret key of one of the instance's machines. */
export const isMachineSecretKey = (store: Store, token: string): boolean =>
  [...collection(store, machinesPath).values()].some((machine) => machine.secret_key === token)

/** A machine answers the machines its scopes reach as they are now, without their own scopes or secret. */
const withScopedMachines = (store: Store, machine: JsonRecord): JsonRecord => {
  const machines = collection(store, machinesPath)
  const reached = [...collection(store, scopesPath(String(machine.id))).values()].flatMap((scope) => {
    const target = machines.get(String(scope.to_machine_id))
    if (target === undefined) return []
    const { scoped_machines: _, secret_key: __, ...summary } = target
    return [summary]
  })
  return { ...machine, scoped_machines: reached }
}

/**
 * An organization domain's verifications follow its `verified` flag (true unless
 * the create says otherwise), as set through the API rather than proven.
 */
const withDomainVerification = (_store: Store, domain: JsonRecord): JsonRecord => {
  const verified = domain.verified !== false
  const verification = {
    status: verified ? "verified" : "unverified",
    strategy: "admin",
    attempts: null,
    expire_at: null,
    verified_at: null
  }
  const ownership = { ...verification, verified_at: verified ? domain.updated_at : null }
  return {
    ...domain,
    verification,
    affiliation_verification: verification,
    ownership_verification: ownership
  }
}

/** A domain added through the API is served by a Frontend API on its `clerk.` subdomain. */
const withFrontendApi = (_store: Store, domain: JsonRecord): JsonRecord =>
  typeof domain.frontend_api_url === "string" && domain.frontend_api_url !== ""
    ? domain
    : { ...domain, frontend_api_url: `https://clerk.${String(domain.name)}` }

/** Objects whose answer is derived from the store beyond their own record. */
const views: Record<string, (store: Store, record: JsonRecord) => JsonRecord> = {
  domain: withFrontendApi,
  machine: withScopedMachines,
  organization_domain: withDomainVerification
}

const present = (store: Store, item: unknown): unknown => {
  // A deleted object answers its id alone.
  const view =
    isRecord(item) && typeof item.object === "string" && item.deleted !== true
      ? views[item.object]
      : undefined
  return view === undefined || !isRecord(item) ? item : view(store, item)
}

/** An answer (one object, or the items of a list) with its objects' views applied. */
const presentAnswer = (store: Store, answer: unknown): unknown => {
  if (isRecord(answer) && Array.isArray(answer.data))
    return { ...answer, data: answer.data.map((item) => present(store, item)) }
  return Array.isArray(answer) ? answer.map((item) => present(store, item)) : present(store, answer)
}

const objectOf = (response: Shape | undefined): string | undefined => {
  if (response === undefined) return undefined
  const shape = deref(response)
  const kind = listKind(response)
  const item =
    kind === "array"
      ? shape.items
      : kind === "data"
        ? deref(shape.properties?.[itemsKey(shape) ?? ""] ?? {}).items
        : response
  const value = item && propertiesOf(item).object?.enum?.[0]
  return typeof value === "string" ? value : undefined
}

const newId = (object: string | undefined): string =>
  makeId(
    (object && prefixes[object]) ??
      (object ?? "res")
        .split("_")
        .map((word) => word[0])
        .join("")
  )

const concrete = (template: string, params: Record<string, string>): string =>
  `/${segmentsOf(template)
    .map((segment) => (isParam(segment) ? encodeURIComponent(params[nameOf(segment)] ?? "") : segment))
    .join("/")}`

const collection = (store: Store, path: string): Map<string, JsonRecord> => {
  let found = store.resources.get(path)
  if (found === undefined) {
    found = new Map()
    store.resources.set(path, found)
  }
  return found
}

/** Resources kept by the emulator's own modules, in their wire shape. */
const ownRecord = (store: Store, id: string): JsonRecord | undefined => {
  const user = store.users.get(id)
  if (user) return userJson(store, user)
  const organization = store.organizations.get(id)
  if (organization) return organizationJson(store, organization)
  const session = store.sessions.get(id)
  if (session) return sessionJson(session)
  const identification = store.identifications.get(id)
  if (identification)
    return identification.kind === "email_address"
      ? emailAddressJson(identification)
      : phoneNumberJson(store, identification)
  const invitation = store.invitations.get(id)
  if (invitation) return invitationJson(invitation)
  const organizationInvitation = store.organizationInvitations.get(id)
  if (organizationInvitation) return organizationInvitationJson(store, organizationInvitation)
  return clientRecord(store, id)
}

/** Items are addressed by id, or by the key, slug or name some resources also answer to. */
const findIn = (items: Map<string, JsonRecord>, idOrKey: string, param = "id"): JsonRecord | undefined =>
  items.get(idOrKey) ??
  [...items.values()].find(
    (item) =>
      item[param] === idOrKey || item.key === idOrKey || item.slug === idOrKey || item.name === idOrKey
  )

/** The item a path names: in the generic store, else one of the emulator's own resources. */
const findItem = (
  store: Store,
  itemPath: string,
  template: string,
  params: Record<string, string>
): Effect.Effect<JsonRecord, ClerkApiError> => {
  const segments = segmentsOf(template)
  const param = nameOf(segments[segments.length - 1] ?? "")
  const id = params[param] ?? ""
  const found = findIn(collection(store, parentOf(itemPath)), id, param) ?? ownRecord(store, id)
  return found === undefined ? Effect.fail(notFound(param || "resource")) : Effect.succeed(found)
}

/** The body's fields, without uploads (a multipart file is stored as having an image). */
const bodyFields = (body: unknown): JsonRecord => {
  if (!isRecord(body)) return {}
  const fields: JsonRecord = {}
  for (const [key, value] of Object.entries(body)) {
    if (value instanceof Blob) fields.has_image = true
    else fields[key] = value
  }
  return fields
}

const pathFields = (params: Record<string, string>): JsonRecord => {
  const fields: JsonRecord = {}
  for (const [name, value] of Object.entries(params)) if (name.endsWith("_id")) fields[name] = value
  return fields
}

/** A token whose expiration has passed says so: `expired` follows the clock, not what was stored. */
const withExpiry = (record: JsonRecord, now: number): JsonRecord =>
  typeof record.expiration === "number" && "expired" in record
    ? { ...record, expired: record.expiration <= now }
    : record

/** The answer's shape filled from the stored record; an `object` the answer cannot carry is left to the shape. */

const answer = (op: OperationSpec, stored: JsonRecord, now: number): unknown => {
  if (op.response === undefined) return undefined
  const properties = propertiesOf(op.response)
  const allowed = properties.object?.enum
  const hint = properties.expired === undefined ? stored : withExpiry({ expired: false, ...stored }, now)
  const { object, ...rest } = hint
  const kept = allowed === undefined || allowed.includes(object) ? hint : rest
  // An answer of a secret alone (`GET /machines/{id}/secret_key`) carries its owner's secret.
  const secret = secretKeys.map((key) => hint[key]).find((value) => typeof value === "string")
  return fill(
    op.response,
    properties.secret !== undefined && kept.secret === undefined ? { ...kept, secret } : kept,
    now
  )
}

const create = (request: GenericRequest, op: OperationSpec, fields: JsonRecord, now: number): JsonRecord => {
  const object = objectOf(op.response)
  const properties = op.response === undefined ? {} : propertiesOf(op.response)
  const secrets: JsonRecord = {}
  for (const key of secretKeys) {
    if (properties[key] !== undefined)
      secrets[key] = `${(object && secretPrefixes[object]) ?? ""}${randomBase62(32)}`
  }

  const idPattern = properties.id && deref(properties.id).pattern
  const id = typeof idPattern === "string" ? patterned(idPattern) : newId(object)
  // Tokens and keys created with a lifetime expire at creation plus that many seconds.
  const ttl = fields.seconds_until_expiration
  // An M2M token belongs to the machine whose secret key created it.
  const machine =
    object === "machine_to_machine_token"
      ? [...collection(request.store, machinesPath).values()].find(
          (item) => item.secret_key === request.bearer
        )
      : undefined
  const record: JsonRecord = {
    ...secrets,
    ...pathFields(request.path),
    ...(machine === undefined ? {} : { subject: machine.id }),
    // A machine scope goes from the machine in its path and is named by the one it reaches.
    ...(object === "machine_scope"
      ? { from_machine_id: request.path.machine_id, other_machine_id: fields.to_machine_id }
      : {}),
    ...fields,
    ...(typeof ttl === "number" && properties.expiration !== undefined
      ? { expiration: now + ttl * 1000 }
      : {}),
    ...(object === undefined ? {} : { object }),
    id,
    // An object named by `<object>_id` rather than `id` (an agent task's agent_task_id) is found by it.
    ...(object !== undefined && properties.id === undefined && properties[`${object}_id`] !== undefined
      ? { [`${object}_id`]: id }
      : {}),
    ...(properties.instance_id === undefined ? {} : { instance_id: request.store.instanceId }),
    ...(object === undefined ? {} : minted[object]?.(request, fields, id)),
    created_at: now,
    updated_at: now
  }
  const answered = answer(op, record, now)
  return isRecord(answered) ? { ...record, ...answered } : record
}

/** Query keys that page or order a list rather than filter it. */
const pagingKeys: ReadonlySet<string> = new Set(["limit", "offset", "paginated", "order_by"])

/**
 * A query parameter named after a field of the listed items (`enrollment_mode`,
 * `organization_id`, `status`) filters them by that field, with Clerk's `+`/`-`
 * include and exclude prefixes; a comma-separated value is several values.
 */
const filterBy = (
  query: URLSearchParams,
  itemShape: Shape,
  items: ReadonlyArray<JsonRecord>
): ReadonlyArray<JsonRecord> => {
  const fields = propertiesOf(itemShape)
  // A field the answer does not show but the store keeps (an organization domain's `verified`) filters too.
  const filters = [...new Set(query.keys())]
    .filter((key) => !pagingKeys.has(key) && (fields[key] !== undefined || items.some((item) => key in item)))
    .map((key) => [key, idFilter(query.getAll(key).flatMap((v) => v.split(",")))] as const)
  // `query` searches the items' text fields where no field of that name exists.
  const search = fields.query === undefined ? query.get("query")?.toLowerCase() : undefined
  return items.filter(
    (item) =>
      (search === undefined ||
        Object.values(item).some(
          (value) => typeof value === "string" && value.toLowerCase().includes(search)
        )) &&
      filters.every(([key, filter]) => {
        const value = item[key]
        return passesIdFilter(filter, [value === undefined || value === null ? null : String(value)])
      })
  )
}

/** A number of the decoded query (`limit`, `offset`), which the params schema has checked. */
const wireNumber = (wire: Wire, key: string, fallback: number): number => {
  const value = wire[key]
  return typeof value === "number" ? value : fallback
}

const listPage = (
  op: OperationSpec,
  request: GenericRequest,
  items: ReadonlyArray<JsonRecord>,
  now: number
) => {
  const { query, wire } = request
  const limit = wireNumber(wire, "limit", 10)
  const offset = wireNumber(wire, "offset", 0)
  const kind = op.response === undefined ? undefined : listKind(op.response)
  const shape = op.response === undefined ? {} : deref(op.response)
  const key = itemsKey(shape) ?? "data"
  const itemShape = (kind === "data" ? deref(shape.properties?.[key] ?? {}).items : shape.items) ?? {}
  const sorted = [...filterBy(query, itemShape, items)].sort(
    (a, b) => Number(b.created_at ?? 0) - Number(a.created_at ?? 0)
  )
  const page = sorted.slice(offset, offset + limit)
  const expires = propertiesOf(itemShape).expired !== undefined
  const data = page.map((item) =>
    fill(itemShape, expires ? withExpiry({ expired: false, ...item }, now) : item, now)
  )
  return kind === "data" || wire.paginated === true ? { [key]: data, total_count: sorted.length } : data
}

/** What an action verb does to its item, beside storing the body's fields. */
const act = (verb: string, item: JsonRecord, now: number): JsonRecord => {
  if (verb === "revoke") return { revoked: true, status: "revoked", revoked_at: now }
  if (verb === "invite") return { status: "invited" }
  if (verb === "reject") return { status: "rejected" }
  if (verb === "verify_ownership") return { verified: true }
  if (verb.startsWith("rotate")) {
    const rotated: JsonRecord = {}
    for (const key of [...secretKeys, "api_key"]) {
      const current = item[key]
      if (typeof current === "string")
        rotated[key] = `${current.slice(0, current.indexOf("_") + 1)}${randomBase62(32)}`
    }
    return rotated
  }
  return {}
}

/** The collections of machine tokens, whose `verify` operations answer from the store. */
const machineTokens: ReadonlySet<string> = new Set([
  "/api_keys",
  "/m2m_tokens",
  "/oauth_applications/access_tokens"
])

/**
 * Verifies a machine token: the record of the collection that holds it, else 404.
 * A revoked or expired token does not verify (Clerk's own SDK documents that
 * verifying one fails); gets and lists still show it, with its `expired` flag.
 */
const verify = (
  request: GenericRequest,
  op: OperationSpec,
  now: number
): Effect.Effect<unknown, ClerkApiError> => {
  const body = bodyFields(request.body)
  const secret = body.secret ?? body.token ?? body.access_token
  const found = [...collection(request.store, parentOf(concrete(op.path, request.path))).values()].find(
    (record) =>
      typeof secret === "string" &&
      secretKeys.some((key) => record[key] === secret) &&
      record.revoked !== true &&
      (typeof record.expiration !== "number" || record.expiration > now)
  )
  return found === undefined
    ? Effect.fail(apiError(404, "resource_not_found", "not found", "No valid token matches the one given."))
    : Effect.succeed(answer(op, found, now))
}

/** An OAuth application revokes an access token it issued: the token stops verifying. */
const revokeIssued = (store: Store, token: unknown, now: number): Effect.Effect<undefined, ClerkApiError> => {
  const tokens = collection(store, "/oauth_applications/access_tokens")
  const found = [...tokens.values()].find((record) => secretKeys.some((key) => record[key] === token))
  if (found === undefined) return Effect.fail(notFound("token"))
  tokens.set(String(found.id), { ...found, revoked: true, updated_at: now })
  return Effect.succeed(undefined)
}

/** A role set names its roles by key; it answers them as items of the instance's roles. */
const roleSetFields = (store: Store, fields: JsonRecord): Effect.Effect<JsonRecord, ClerkApiError> => {
  const item = (param: string, key: unknown): Effect.Effect<JsonRecord, ClerkApiError> => {
    const role = typeof key === "string" ? store.findRole(key) : undefined
    if (role === undefined)
      return Effect.fail(
        apiError(422, "form_param_value_invalid", "is invalid", `${String(key)} is not a role.`, {
          param_name: param
        })
      )
    const { id, key: roleKey, name, description, createdAt, updatedAt } = role
    return Effect.succeed({
      object: "role_set_item",
      id,
      key: roleKey,
      name,
      description,
      created_at: createdAt,
      updated_at: updatedAt
    })
  }
  const { roles, default_role_key: defaultKey, creator_role_key: creatorKey } = fields
  return Effect.all({
    roles: Array.isArray(roles)
      ? Effect.forEach(roles, (key) => item("roles", key))
      : Effect.succeed(undefined),
    default_role: defaultKey === undefined ? Effect.succeed(undefined) : item("default_role_key", defaultKey),
    creator_role: creatorKey === undefined ? Effect.succeed(undefined) : item("creator_role_key", creatorKey)
  }).pipe(
    Effect.map((items) => {
      const named: JsonRecord = { ...fields }
      for (const [key, value] of Object.entries(items)) if (value !== undefined) named[key] = value
      return named
    })
  )
}

/** Stores a record in the collection at `path` (`/machines`), as a create through the API would. */
export const seed = (store: Store, path: string, fields: JsonRecord): JsonRecord => {
  const now = store.now()
  const record: JsonRecord = { id: makeId("res"), created_at: now, updated_at: now, ...fields }
  collection(store, path).set(String(record.id), record)
  return record
}

/**
 * What a singleton takes from the item that owns it (a machine's secret key for
 * `GET /machines/{id}/secret_key`): everything, but an owner of another kind
 * keeps its identity (its id is not a subscription's id).
 */
const ownerFields = (owner: JsonRecord | undefined, object: string | undefined): JsonRecord => {
  if (owner === undefined || owner.object === object) return owner ?? {}
  const { id: _id, object: _object, created_at: _created, updated_at: _updated, ...fields } = owner
  return fields
}

/** A singleton answered for the first time: its own id, the instance's id, what its kind mints. */
const newSingleton = (request: GenericRequest, op: OperationSpec, now: number): JsonRecord => {
  const properties = op.response === undefined ? {} : propertiesOf(op.response)
  const object = objectOf(op.response)
  const id = newId(object)
  return {
    ...pathFields(request.path),
    ...(properties.id === undefined ? {} : { id }),
    ...(properties.instance_id === undefined ? {} : { instance_id: request.store.instanceId }),
    ...(object === undefined ? {} : minted[object]?.(request, {}, id)),
    created_at: now
  }
}

/**
 * A request as the generic store reads it: the wire form, which the operation's
 * params schema has accepted. The store keeps what it is sent in that form, to
 * answer it back in the spec's shape.
 */
export interface GenericRequest {
  readonly store: Store
  readonly keys: SigningKeys
  readonly path: Record<string, string>
  readonly query: URLSearchParams
  /** Path, query and body params by wire name, query values as their types. */
  readonly wire: Wire
  readonly body: unknown
  /** The request's bearer token: an M2M token is created by the machine whose secret key sent it. */
  readonly bearer: string | undefined
}

/** Answers an operation from the generic store, as its path and method say. */
export const generic =
  (op: OperationSpec) =>
  (request: GenericRequest): Effect.Effect<unknown, ClerkApiError> =>
    Effect.map(
      Effect.suspend(() => answerFromStore(op, request)),
      (answered) => presentAnswer(request.store, answered)
    )

const answerFromStore = (op: OperationSpec, request: GenericRequest): Effect.Effect<unknown, ClerkApiError> =>
  Effect.gen(function* () {
    const { store, path: params } = request
    const now = store.now()
    const segments = segmentsOf(op.path)
    const last = segments[segments.length - 1] ?? ""
    const path = concrete(op.path, params)
    const fields =
      objectOf(op.response) === "role_set"
        ? yield* roleSetFields(store, bodyFields(request.body))
        : bodyFields(request.body)

    // `GET /users/{user_id}/oauth_access_tokens/{provider}` names a list, not an item.
    if (op.method === "GET" && op.response !== undefined && listKind(op.response) !== undefined)
      return listPage(op, request, [...collection(store, path).values()], now)

    if (isParam(last)) {
      const items = collection(store, parentOf(path))
      const id = params[nameOf(last)] ?? ""
      const found = findIn(items, id, nameOf(last)) ?? ownRecord(store, id)
      if (op.method === "PUT" || (op.method === "POST" && found === undefined)) {
        // The path names the item (`/templates/email/{slug}`): it keeps that name.
        const record = found ?? create(request, op, { ...fields, [nameOf(last)]: id }, now)
        const stored: JsonRecord = { ...record, ...fields, updated_at: now }
        items.set(String(stored.id), stored)
        return answer(op, stored, now)
      }
      if (found === undefined) return yield* notFound(nameOf(last))
      // Canceling a subscription item keeps it: canceled at the period's end, or ended now with end_now.
      if (op.method === "DELETE" && found.object === "commerce_subscription_item") {
        const canceled =
          request.wire.end_now === true
            ? { ...found, status: "ended", ended_at: now, canceled_at: now, updated_at: now }
            : { ...found, status: "canceled", canceled_at: now, updated_at: now }
        items.set(String(found.id), canceled)
        return answer(op, canceled, now)
      }
      if (op.method === "DELETE") {
        items.delete(String(found.id))
        return answer(op, { object: found.object, id: found.id, deleted: true }, now)
      }
      if (op.method === "GET") return answer(op, found, now)
      const updated = { ...found, ...fields, updated_at: now }
      if (items.has(String(found.id))) items.set(String(found.id), updated)
      return answer(op, updated, now)
    }

    if (collections.has(op.path) && op.method === "POST") {
      const record = create(request, op, fields, now)
      if (record.object === "machine") yield* addScopes(store, String(record.id), fields.scoped_machines, now)
      collection(store, path).set(String(record.id), record)
      return answer(op, record, now)
    }

    const bulk = request.body
    if (last === "bulk" && collections.has(parentOf(op.path)) && Array.isArray(bulk)) {
      const items = collection(store, parentOf(path))
      return bulk.map((body) => {
        // Stored filled out, as a single create stores it: defaults such as a status are there to filter by.
        const record = create(request, op, bodyFields(body), now)
        const filled = fill(deref(op.response ?? {}).items ?? {}, record, now)
        items.set(String(record.id), isRecord(filled) ? { ...record, ...filled } : record)
        return filled
      })
    }

    if (last === "verify" && machineTokens.has(parentOf(op.path))) return yield* verify(request, op, now)

    // An action on an item, or a singleton that belongs to one (`/users/{user_id}/billing/subscription`):
    // the owner is the nearest item up the path.
    let ownerDepth = segments.length - 1
    while (ownerDepth > 0 && !isParam(segments[ownerDepth - 1])) ownerDepth--
    const ownerTemplate = `/${segments.slice(0, ownerDepth).join("/")}`
    const ownerPath = concrete(ownerTemplate, params)
    const owner = ownerDepth > 0 ? yield* findItem(store, ownerPath, ownerTemplate, params) : undefined
    if (owner !== undefined && op.method === "POST" && last === "revoke_token")
      return yield* revokeIssued(store, fields.token, now)
    if (owner !== undefined && op.method === "POST") {
      if (last === "revoke" && owner.object === "actor_token" && owner.status !== "pending")
        return yield* apiError(
          400,
          "actor_token_cannot_be_revoked",
          "cannot revoke",
          `Actor token cannot be revoked because its status is ${String(owner.status)}. Only pending tokens can be revoked.`
        )
      const items = collection(store, parentOf(ownerPath))
      const updated = { ...owner, ...fields, ...act(last, owner, now), updated_at: now }
      if (items.has(String(owner.id))) items.set(String(owner.id), updated)
      return answer(op, updated, now)
    }
    // A POST that mints a secret outside any collection mints a new one each time.
    if (owner === undefined && op.method === "POST" && op.response !== undefined) {
      const properties = propertiesOf(op.response)
      if (secretKeys.some((key) => properties[key] !== undefined))
        return answer(op, create(request, op, fields, now), now)
    }
    const existing = store.singletons.get(path)
    const singleton = existing ?? newSingleton(request, op, now)
    // First read of a singleton (a user's billing subscription): kept, so its id stays the same.
    if (existing === undefined && op.method === "GET") store.singletons.set(path, singleton)
    if (op.method === "DELETE") {
      store.singletons.delete(path)
      return answer(op, { ...singleton, deleted: true }, now)
    }
    const merged = { ...ownerFields(owner, objectOf(op.response)), ...singleton, ...fields, updated_at: now }
    if (op.method !== "GET") store.singletons.set(path, { ...singleton, ...fields, updated_at: now })
    return answer(op, merged, now)
  })
