/**
 * Who may sign up: the instance's allowlist and blocklist of identifiers and its
 * restriction settings. `assertMaySignUp` is the one place the rule is enforced;
 * user and invitation creation call it with the identifiers they would add.
 */
import { Effect } from "effect"
import type { Handler, Handlers } from "../context.js"
import { apiError, type ClerkApiError, paramFormatInvalid } from "../errors.js"
import { listed, pageOf } from "../params.js"
import { deletedJson } from "../serialize.js"
import { isRecord } from "../shape.js"
import {
  type IdentificationRecord,
  type InstanceRestrictions,
  type ListedIdentifierRecord,
  type ListedIdentifierType,
  normalizeIdentifier,
  type Store
} from "../store.js"

type Listed = "allowlist" | "blocklist"

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const domainPattern = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/

/** Classifies and normalizes an identifier as Clerk's lists take it, or refuses it. */
const readIdentifier = (
  raw: string
): Effect.Effect<
  { readonly identifier: string; readonly identifierType: ListedIdentifierType },
  ClerkApiError
> => {
  const value = raw.trim()
  if (/^0x[0-9a-f]{40}$/i.test(value))
    return Effect.succeed({ identifier: value.toLowerCase(), identifierType: "web3_wallet" })
  if (value.includes("@")) {
    const email = normalizeIdentifier("email_address", value)
    if (emailPattern.test(email))
      return Effect.succeed({ identifier: email, identifierType: "email_address" })
  } else if (domainPattern.test(value.toLowerCase())) {
    // A bare domain stands for every email address at it.
    return Effect.succeed({ identifier: value.toLowerCase(), identifierType: "email_address" })
  } else {
    const phone = value.replace(/[\s().-]/g, "")
    if (/^\+[1-9]\d{6,14}$/.test(phone))
      return Effect.succeed({ identifier: phone, identifierType: "phone_number" })
  }
  return Effect.fail(
    paramFormatInvalid(
      "identifier",
      "identifier must be either a valid email address, a valid phone number according to E.164 international standard or a valid web3 wallet."
    )
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

/**
 * Adds an identifier to a list. `notify` (an invitation to the allowed identifier)
 * is decoded for its type only: no invitation is sent.
 */
const create = (store: Store, list: Listed, raw: string) =>
  Effect.gen(function* () {
    const { identifier, identifierType } = yield* readIdentifier(raw)
    if ([...store[list].values()].some((r) => r.identifier === identifier)) {
      return yield* apiError(
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

const remove = (store: Store, list: Listed, id: string) =>
  Effect.suspend(() => {
    if (!store[list].delete(id))
      return Effect.fail(
        apiError(404, "resource_not_found", "Identifier not found", `No identifier was found with id ${id}`)
      )
    return Effect.succeed(
      deletedJson(list === "allowlist" ? "allowlist_identifier" : "blocklist_identifier", id)
    )
  })

const updateRestrictions: Handler<"UpdateInstanceRestrictions"> = (params, { store }) =>
  Effect.sync(() => {
    const { restrictions } = store
    // null leaves a setting as it is.
    for (const field of [
      "allowlist",
      "blocklist",
      "allowlistBlocklistDisabledOnSignIn",
      "blockEmailSubaddresses",
      "blockDisposableEmailDomains"
    ] as const) {
      const value = params[field]
      if (typeof value === "boolean") restrictions[field] = value
    }
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
  apiError(
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
): Effect.Effect<void, ClerkApiError> => {
  const { restrictions } = store
  if (restrictions.blockEmailSubaddresses) {
    const subaddress = identifiers.find(
      (i) => i.kind === "email_address" && /[+=#]/.test(i.value.slice(0, i.value.lastIndexOf("@")))
    )
    if (subaddress !== undefined) {
      return Effect.fail(
        apiError(
          403,
          "not_allowed_access",
          "Email subaddress not allowed.",
          "Email address must not contain the characters '+', '=', or '#'.",
          { param_name: "email_address" }
        )
      )
    }
  }
  const refused = identifiers.filter(
    (i) =>
      (restrictions.blocklist && onList(store, "blocklist", i.kind, i.value)) ||
      (restrictions.allowlist && !onList(store, "allowlist", i.kind, i.value))
  )
  return refused.length > 0 ? Effect.fail(notAllowed(refused.map((i) => i.value))) : Effect.void
}

/**
 * `restricted_to_allowlist` of the beta instance settings is the same setting as the
 * restrictions' `allowlist`; the other settings are kept by the generic store.
 */
const updateInstanceSettings: Handler<"UpdateInstanceAuthConfig"> = (params, { store, generic }) =>
  Effect.map(generic, (answer) => {
    if (typeof params.restrictedToAllowlist === "boolean")
      store.restrictions.allowlist = params.restrictedToAllowlist
    return isRecord(answer) ? { ...answer, restricted_to_allowlist: store.restrictions.allowlist } : answer
  })

export const handlers: Handlers = {
  ListAllowlistIdentifiers: (params, { store }) =>
    Effect.sync(() =>
      listed(params, pageOf(params), byAge(store, "allowlist"), (r) => listedJson("allowlist", r))
    ),
  CreateAllowlistIdentifier: (params, { store }) => create(store, "allowlist", params.identifier),
  DeleteAllowlistIdentifier: (params, { store }) => remove(store, "allowlist", params.identifierId),
  ListBlocklistIdentifiers: (_, { store }) =>
    Effect.sync(() => {
      const records = byAge(store, "blocklist")
      return { data: records.map((r) => listedJson("blocklist", r)), total_count: records.length }
    }),
  CreateBlocklistIdentifier: (params, { store }) => create(store, "blocklist", params.identifier),
  DeleteBlocklistIdentifier: (params, { store }) => remove(store, "blocklist", params.identifierId),
  UpdateInstanceRestrictions: updateRestrictions,
  UpdateInstanceAuthConfig: updateInstanceSettings
}
