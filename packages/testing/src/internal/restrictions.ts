/**
 * Who may sign up: the instance's allowlist and blocklist of identifiers and its
 * restriction settings. `assertMaySignUp` is the one place the rule is enforced;
 * user and invitation creation call it with the identifiers they would add.
 */
import { Effect } from "effect"
import { type Handler, param, sync } from "./context.js"
import { ClerkApiError, paramFormatInvalid } from "./errors.js"
import { generic } from "./generic.js"
import { operations } from "./generated/operations.js"
import { bodyObject, listAnswer, optBoolean, page, reqString } from "./params.js"
import { deletedJson } from "./serialize.js"
import { isRecord } from "./shape.js"
import {
  type IdentificationRecord,
  type InstanceRestrictions,
  type ListedIdentifierRecord,
  type ListedIdentifierType,
  normalizeIdentifier,
  type Store
} from "./store.js"

type Listed = "allowlist" | "blocklist"

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const domainPattern = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/

/** Classifies and normalizes an identifier as Clerk's lists take it, or refuses it. */
const readIdentifier = (
  raw: string
): { readonly identifier: string; readonly identifierType: ListedIdentifierType } => {
  const value = raw.trim()
  if (/^0x[0-9a-f]{40}$/i.test(value))
    return { identifier: value.toLowerCase(), identifierType: "web3_wallet" }
  if (value.includes("@")) {
    const email = normalizeIdentifier("email_address", value)
    if (emailPattern.test(email)) return { identifier: email, identifierType: "email_address" }
  } else if (domainPattern.test(value.toLowerCase())) {
    // A bare domain stands for every email address at it.
    return { identifier: value.toLowerCase(), identifierType: "email_address" }
  } else {
    const phone = value.replace(/[\s().-]/g, "")
    if (/^\+[1-9]\d{6,14}$/.test(phone)) return { identifier: phone, identifierType: "phone_number" }
  }
  throw paramFormatInvalid(
    "identifier",
    "identifier must be either a valid email address, a valid phone number according to E.164 international standard or a valid web3 wallet."
  )
}

const listedJson = (list: Listed, record: ListedIdentifierRecord) => ({
  object: list === "allowlist" ? "allowlist_identifier" : "blocklist_identifier",
  id: record.id,
  identifier: record.identifier,
  identifier_type: record.identifierType,
  created_at: record.createdAt,
  updated_at: record.createdAt
})

const restrictionsJson = (r: InstanceRestrictions) => ({
  object: "instance_restrictions",
  allowlist: r.allowlist,
  blocklist: r.blocklist,
  allowlist_blocklist_disabled_on_sign_in: r.allowlistBlocklistDisabledOnSignIn,
  block_email_subaddresses: r.blockEmailSubaddresses,
  block_disposable_email_domains: r.blockDisposableEmailDomains
})

const byAge = (store: Store, list: Listed) =>
  [...store[list].values()].sort((a, b) => a.createdAt - b.createdAt)

const create = (list: Listed): Handler =>
  sync((ctx) => {
    const { store } = ctx
    const body = bodyObject(ctx.body)
    const { identifier, identifierType } = readIdentifier(reqString(body, "identifier"))
    // `notify` (an invitation to the allowed identifier) is read for its type only: no invitation is sent.
    optBoolean(body, "notify")
    if ([...store[list].values()].some((r) => r.identifier === identifier)) {
      throw new ClerkApiError(
        400,
        "duplicate_record",
        `duplicate ${list} identifier`,
        `the identifier ${identifier} already exists`
      )
    }
    const record: ListedIdentifierRecord = {
      id: store.newId(list === "allowlist" ? "alid" : "blid"),
      identifier,
      identifierType,
      createdAt: store.now()
    }
    store[list].set(record.id, record)
    return listedJson(list, record)
  })

const remove = (list: Listed): Handler =>
  sync((ctx) => {
    const id = param(ctx, "identifier_id")
    const record = ctx.store[list].get(id)
    if (record === undefined) {
      throw new ClerkApiError(
        404,
        "resource_not_found",
        "Identifier not found",
        `No identifier was found with id ${id}`
      )
    }
    ctx.store[list].delete(id)
    return deletedJson(list === "allowlist" ? "allowlist_identifier" : "blocklist_identifier", id)
  })

const updateRestrictions = sync((ctx) => {
  const body = bodyObject(ctx.body)
  const { restrictions } = ctx.store
  const fields = [
    ["allowlist", "allowlist"],
    ["blocklist", "blocklist"],
    ["allowlist_blocklist_disabled_on_sign_in", "allowlistBlocklistDisabledOnSignIn"],
    ["block_email_subaddresses", "blockEmailSubaddresses"],
    ["block_disposable_email_domains", "blockDisposableEmailDomains"]
  ] as const
  // Read (and validate) every field before any is written; null leaves a setting as it is.
  const changes = fields.flatMap(([key, field]) => {
    const value = optBoolean(body, key)
    return typeof value === "boolean" ? [[field, value] as const] : []
  })
  for (const [field, value] of changes) restrictions[field] = value
  return restrictionsJson(restrictions)
})

const onList = (store: Store, list: Listed, kind: IdentificationRecord["kind"], value: string): boolean => {
  const normalized = normalizeIdentifier(kind, value)
  const domain = kind === "email_address" ? normalized.slice(normalized.lastIndexOf("@") + 1) : undefined
  for (const record of store[list].values()) {
    if (record.identifierType !== kind) continue
    // A bare domain or `*@domain` stands for every address at that domain.
    if (
      record.identifier === normalized ||
      record.identifier === domain ||
      record.identifier === `*@${domain}`
    )
      return true
  }
  return false
}

const notAllowed = (identifiers: ReadonlyArray<string>): ClerkApiError =>
  new ClerkApiError(
    403,
    "not_allowed_access",
    "Access not allowed.",
    `${identifiers.join(", ")} ${identifiers.length === 1 ? "is" : "are"} not allowed to access this application.`,
    { identifiers }
  )

/**
 * Refuses identifiers that may not sign up: any on the blocklist (while the
 * blocklist restriction is on), any not on the allowlist (while the instance is
 * restricted to it), and email subaddresses while those are blocked.
 */
export const assertMaySignUp = (
  store: Store,
  identifiers: ReadonlyArray<{ readonly kind: IdentificationRecord["kind"]; readonly value: string }>
): void => {
  const { restrictions } = store
  if (restrictions.blockEmailSubaddresses) {
    const subaddress = identifiers.find(
      (i) => i.kind === "email_address" && /[+=#]/.test(i.value.slice(0, i.value.lastIndexOf("@")))
    )
    if (subaddress !== undefined) {
      throw new ClerkApiError(
        403,
        "not_allowed_access",
        "Email subaddress not allowed.",
        "Email address must not contain the characters '+', '=', or '#'.",
        { param_name: "email_address" }
      )
    }
  }
  const refused = identifiers.filter(
    (i) =>
      (restrictions.blocklist && onList(store, "blocklist", i.kind, i.value)) ||
      (restrictions.allowlist && !onList(store, "allowlist", i.kind, i.value))
  )
  if (refused.length > 0) throw notAllowed(refused.map((i) => i.value))
}

const instanceSettings = operations.find((op) => op.operationId === "UpdateInstanceAuthConfig")

/**
 * `restricted_to_allowlist` of the beta instance settings is the same setting as the
 * restrictions' `allowlist`; the other settings are kept by the generic store.
 */
const readRestricted = sync((ctx) => optBoolean(bodyObject(ctx.body), "restricted_to_allowlist"))

const updateInstanceSettings: Handler = (ctx) =>
  instanceSettings === undefined
    ? Effect.die("the spec has no UpdateInstanceAuthConfig")
    : Effect.flatMap(readRestricted(ctx), (restricted) =>
        Effect.map(generic(instanceSettings)(ctx), (answer) => {
          if (typeof restricted === "boolean") ctx.store.restrictions.allowlist = restricted
          return isRecord(answer)
            ? { ...answer, restricted_to_allowlist: ctx.store.restrictions.allowlist }
            : answer
        })
      )

export const handlers: Record<string, Handler> = {
  ListAllowlistIdentifiers: sync((ctx) =>
    listAnswer(ctx.query, page(ctx.query), byAge(ctx.store, "allowlist"), (r) => listedJson("allowlist", r))
  ),
  CreateAllowlistIdentifier: create("allowlist"),
  DeleteAllowlistIdentifier: remove("allowlist"),
  ListBlocklistIdentifiers: sync((ctx) => {
    const records = byAge(ctx.store, "blocklist")
    return { data: records.map((r) => listedJson("blocklist", r)), total_count: records.length }
  }),
  CreateBlocklistIdentifier: create("blocklist"),
  DeleteBlocklistIdentifier: remove("blocklist"),
  UpdateInstanceRestrictions: updateRestrictions,
  UpdateInstanceAuthConfig: updateInstanceSettings
}
