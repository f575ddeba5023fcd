import { Effect } from "effect"
import type { Handlers } from "../context.js"
import { apiError, type ClerkApiError, identifierExists, notFound, paramFormatInvalid } from "../errors.js"
import { makeId } from "../ids.js"
import { findUser } from "../lookups.js"
import { operations } from "../generated/operations.js"
import { emailOf } from "../params.js"
import { deletedJson, emailAddressJson, phoneNumberJson } from "../serialize.js"
import { fill } from "../shape.js"
import type { IdentificationRecord, Store, UserRecord } from "../store.js"

type Kind = IdentificationRecord["kind"]

const labels: Record<Kind, string> = { email_address: "email address", phone_number: "phone number" }

const normalize = (kind: Kind, raw: string): Effect.Effect<string, ClerkApiError> => {
  if (kind === "email_address") return emailOf(raw)
  const phone = raw.replace(/[\s().-]/g, "")
  return /^\+[1-9]\d{6,14}$/.test(phone)
    ? Effect.succeed(phone)
    : Effect.fail(
        paramFormatInvalid("phone_number", "phone_number must be a valid phone number in E.164 format.")
      )
}

const primaryField = (kind: Kind) =>
  kind === "email_address" ? ("primaryEmailAddressId" as const) : ("primaryPhoneNumberId" as const)

/** Validates and checks uniqueness first, so a failing request changes nothing. */
export const assertAvailable = (
  store: Store,
  kind: Kind,
  raw: string
): Effect.Effect<string, ClerkApiError> =>
  Effect.flatMap(normalize(kind, raw), (value) =>
    store.findIdentification(kind, value) !== undefined
      ? Effect.fail(identifierExists(kind, labels[kind]))
      : Effect.succeed(value)
  )

export const addIdentification = (
  store: Store,
  user: UserRecord,
  kind: Kind,
  value: string,
  options: {
    readonly verified: boolean
    readonly primary: boolean
    readonly reservedForSecondFactor?: boolean
  }
): IdentificationRecord => {
  const now = store.now()
  const record: IdentificationRecord = {
    id: store.newId("idn"),
    kind,
    userId: user.id,
    value,
    verified: options.verified,
    reservedForSecondFactor: options.reservedForSecondFactor ?? false,
    createdAt: now,
    updatedAt: now
  }
  store.identifications.set(record.id, record)
  // The first identification of a kind becomes the primary one.
  if (options.primary || user[primaryField(kind)] === null) user[primaryField(kind)] = record.id
  user.updatedAt = now
  return record
}

/** Deleting the primary identification promotes the oldest remaining one, or clears it. */
const removeIdentification = (store: Store, record: IdentificationRecord): void => {
  store.identifications.delete(record.id)
  const user = store.users.get(record.userId)
  if (user === undefined) return
  const field = primaryField(record.kind)
  if (user[field] === record.id) user[field] = store.identificationsOf(user.id, record.kind)[0]?.id ?? null
  user.updatedAt = store.now()
}

const find = (store: Store, kind: Kind, id: string): Effect.Effect<IdentificationRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const record = store.identifications.get(id)
    return record === undefined || record.kind !== kind
      ? Effect.fail(notFound(labels[kind]))
      : Effect.succeed(record)
  })

const toJson = (store: Store, record: IdentificationRecord): unknown =>
  record.kind === "email_address" ? emailAddressJson(record) : phoneNumberJson(store, record)

interface Flags {
  readonly verified?: boolean | null | undefined
  readonly primary?: boolean | null | undefined
  readonly reservedForSecondFactor?: boolean | null | undefined
}

const create = (store: Store, kind: Kind, userId: string, raw: string, flags: Flags) =>
  Effect.gen(function* () {
    const user = yield* findUser(store, userId)
    const value = yield* assertAvailable(store, kind, raw)
    const record = addIdentification(store, user, kind, value, {
      verified: flags.verified ?? false,
      primary: flags.primary ?? false,
      reservedForSecondFactor: flags.reservedForSecondFactor ?? false
    })
    return toJson(store, record)
  })

const update = (store: Store, kind: Kind, id: string, flags: Flags) =>
  Effect.map(find(store, kind, id), (record) => {
    const user = store.users.get(record.userId)
    const now = store.now()
    if (typeof flags.verified === "boolean") record.verified = flags.verified
    if (kind === "phone_number" && typeof flags.reservedForSecondFactor === "boolean")
      record.reservedForSecondFactor = flags.reservedForSecondFactor
    if (flags.primary === true && user !== undefined) {
      user[primaryField(kind)] = record.id
      user.updatedAt = now
    }
    record.updatedAt = now
    return toJson(store, record)
  })

const get = (store: Store, kind: Kind, id: string) =>
  Effect.map(find(store, kind, id), (record) => toJson(store, record))

const remove = (store: Store, kind: Kind, id: string) =>
  Effect.map(find(store, kind, id), (record) => {
    removeIdentification(store, record)
    return deletedJson(kind, record.id)
  })

const responseOf = (operationId: string) => operations.find((op) => op.operationId === operationId)?.response

const prepareEmailResponse = responseOf("PrepareEmailAddressVerification")
const preparePhoneResponse = responseOf("PreparePhoneNumberVerification")
const attemptEmailResponse = responseOf("AttemptEmailAddressVerification")
const attemptPhoneResponse = responseOf("AttemptPhoneNumberVerification")

/** Clerk would email or text a one-time code; the emulator puts it in its outbox instead. */
const prepare = (store: Store, kind: Kind, id: string) =>
  Effect.map(find(store, kind, id), (record) => {
    const response = kind === "email_address" ? prepareEmailResponse : preparePhoneResponse
    const code = String(100000 + ((crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % 900000))
    const now = store.now()
    const verificationId = makeId("ver")
    store.outbox.push({
      id: makeId(kind === "email_address" ? "ema" : "sms"),
      channel: kind === "email_address" ? "email" : "sms",
      to: record.value,
      userId: record.userId,
      identificationId: record.id,
      verificationId,
      code,
      createdAt: now
    })
    record.verified = false
    // The answer is the verification the code belongs to, in the operation's shape.
    const verification = {
      object: "verification",
      id: verificationId,
      status: "unverified",
      strategy: kind === "email_address" ? "email_code" : "phone_code",
      attempts: 0,
      expire_at: now + 10 * 60 * 1000
    }
    return response === undefined ? verification : fill(response, verification, now)
  })

/** The code of the latest message sent for the identification verifies it; any other is refused. */
const attempt = (store: Store, kind: Kind, id: string, code: string, verificationId: string) =>
  Effect.gen(function* () {
    const response = kind === "email_address" ? attemptEmailResponse : attemptPhoneResponse
    const record = yield* find(store, kind, id)
    const sent = store.outbox.filter((message) => message.identificationId === record.id).pop()
    if (sent === undefined || sent.code !== code || sent.verificationId !== verificationId) {
      return yield* apiError(
        422,
        "form_code_incorrect",
        "Incorrect code",
        "The verification code is incorrect.",
        {
          param_name: "code"
        }
      )
    }
    const now = store.now()
    record.verified = true
    record.updatedAt = now
    // The answer is the verification, now verified, in the operation's shape.
    const verification = {
      object: "verification",
      id: verificationId,
      status: "verified",
      strategy: kind === "email_address" ? "email_code" : "phone_code",
      attempts: 1,
      expire_at: null
    }
    return response === undefined ? toJson(store, record) : fill(response, verification, now)
  })

export const handlers: Handlers = {
  PrepareEmailAddressVerification: (params, { store }) =>
    prepare(store, "email_address", params.emailAddressId),
  AttemptEmailAddressVerification: (params, { store }) =>
    attempt(store, "email_address", params.emailAddressId, params.code, params.verificationId),
  PreparePhoneNumberVerification: (params, { store }) => prepare(store, "phone_number", params.phoneNumberId),
  AttemptPhoneNumberVerification: (params, { store }) =>
    attempt(store, "phone_number", params.phoneNumberId, params.code, params.verificationId),
  CreateEmailAddress: (params, { store }) =>
    create(store, "email_address", params.userId, params.emailAddress, params),
  GetEmailAddress: (params, { store }) => get(store, "email_address", params.emailAddressId),
  UpdateEmailAddress: (params, { store }) => update(store, "email_address", params.emailAddressId, params),
  DeleteEmailAddress: (params, { store }) => remove(store, "email_address", params.emailAddressId),
  CreatePhoneNumber: (params, { store }) =>
    create(store, "phone_number", params.userId, params.phoneNumber, params),
  GetPhoneNumber: (params, { store }) => get(store, "phone_number", params.phoneNumberId),
  UpdatePhoneNumber: (params, { store }) => update(store, "phone_number", params.phoneNumberId, params),
  DeletePhoneNumber: (params, { store }) => remove(store, "phone_number", params.phoneNumberId)
}
