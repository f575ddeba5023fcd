import { type Handler, type HandlerContext, param, sync } from "./context.js"
import { ClerkApiError, identifierExists, notFound, paramFormatInvalid } from "./errors.js"
import { makeId } from "./ids.js"
import { operations } from "./generated/operations.js"
import { fill } from "./shape.js"
import { bodyObject, normalizeEmail, optBoolean, reqString } from "./params.js"
import type { IdentificationRecord, Store, UserRecord } from "./store.js"
import { deletedJson, emailAddressJson, phoneNumberJson } from "./serialize.js"

type Kind = IdentificationRecord["kind"]

const labels: Record<Kind, string> = { email_address: "email address", phone_number: "phone number" }

const normalize = (kind: Kind, raw: string): string => {
  if (kind === "email_address") return normalizeEmail(raw)
  const phone = raw.replace(/[\s().-]/g, "")
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) {
    throw paramFormatInvalid("phone_number", "phone_number must be a valid phone number in E.164 format.")
  }
  return phone
}

const primaryField = (kind: Kind) =>
  kind === "email_address" ? ("primaryEmailAddressId" as const) : ("primaryPhoneNumberId" as const)

/** Validates and checks uniqueness first, so a failing request changes nothing. */
export const assertAvailable = (store: Store, kind: Kind, raw: string): string => {
  const value = normalize(kind, raw)
  if (store.findIdentification(kind, value) !== undefined) throw identifierExists(kind, labels[kind])
  return value
}

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

const find = (ctx: HandlerContext, kind: Kind, pathParam: string): IdentificationRecord => {
  const record = ctx.store.identifications.get(param(ctx, pathParam))
  if (record === undefined || record.kind !== kind) throw notFound(labels[kind])
  return record
}

const toJson = (store: Store, record: IdentificationRecord): unknown =>
  record.kind === "email_address" ? emailAddressJson(record) : phoneNumberJson(store, record)

const create = (kind: Kind): Handler =>
  sync((ctx) => {
    const body = bodyObject(ctx.body)
    const userId = reqString(body, "user_id")
    const raw = reqString(body, kind)
    const user = ctx.store.users.get(userId)
    if (user === undefined) throw notFound("user")
    const value = assertAvailable(ctx.store, kind, raw)
    const record = addIdentification(ctx.store, user, kind, value, {
      verified: optBoolean(body, "verified") ?? false,
      primary: optBoolean(body, "primary") ?? false,
      reservedForSecondFactor: optBoolean(body, "reserved_for_second_factor") ?? false
    })
    return toJson(ctx.store, record)
  })

const update = (kind: Kind, pathParam: string): Handler =>
  sync((ctx) => {
    const record = find(ctx, kind, pathParam)
    const body = bodyObject(ctx.body)
    const user = ctx.store.users.get(record.userId)
    const verified = optBoolean(body, "verified")
    const primary = optBoolean(body, "primary")
    const reserved = optBoolean(body, "reserved_for_second_factor")
    const now = ctx.store.now()
    if (typeof verified === "boolean") record.verified = verified
    if (kind === "phone_number" && typeof reserved === "boolean") record.reservedForSecondFactor = reserved
    if (primary === true && user !== undefined) {
      user[primaryField(kind)] = record.id
      user.updatedAt = now
    }
    record.updatedAt = now
    return toJson(ctx.store, record)
  })

const get = (kind: Kind, pathParam: string): Handler =>
  sync((ctx) => toJson(ctx.store, find(ctx, kind, pathParam)))

const remove = (kind: Kind, pathParam: string): Handler =>
  sync((ctx) => {
    const record = find(ctx, kind, pathParam)
    removeIdentification(ctx.store, record)
    return deletedJson(kind, record.id)
  })

/** Clerk would email or text a one-time code; the emulator puts it in its outbox instead. */
const prepare = (kind: Kind, pathParam: string, operationId: string): Handler => {
  const response = operations.find((op) => op.operationId === operationId)?.response
  return sync((ctx) => {
    const record = find(ctx, kind, pathParam)
    const code = String(100000 + ((crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % 900000))
    const now = ctx.store.now()
    const verificationId = makeId("ver")
    ctx.store.outbox.push({
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
}

/** The code of the latest message sent for the identification verifies it; any other is refused. */
const attempt = (kind: Kind, pathParam: string, operationId: string): Handler => {
  const response = operations.find((op) => op.operationId === operationId)?.response
  return sync((ctx) => {
    const record = find(ctx, kind, pathParam)
    const body = bodyObject(ctx.body)
    const code = reqString(body, "code")
    const verificationId = reqString(body, "verification_id")
    const sent = ctx.store.outbox.filter((message) => message.identificationId === record.id).pop()
    if (sent === undefined || sent.code !== code || sent.verificationId !== verificationId) {
      throw new ClerkApiError(
        422,
        "form_code_incorrect",
        "Incorrect code",
        "The verification code is incorrect.",
        {
          param_name: "code"
        }
      )
    }
    const now = ctx.store.now()
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
    return response === undefined ? toJson(ctx.store, record) : fill(response, verification, now)
  })
}

export const handlers: Record<string, Handler> = {
  PrepareEmailAddressVerification: prepare(
    "email_address",
    "email_address_id",
    "PrepareEmailAddressVerification"
  ),
  AttemptEmailAddressVerification: attempt(
    "email_address",
    "email_address_id",
    "AttemptEmailAddressVerification"
  ),
  PreparePhoneNumberVerification: prepare(
    "phone_number",
    "phone_number_id",
    "PreparePhoneNumberVerification"
  ),
  AttemptPhoneNumberVerification: attempt(
    "phone_number",
    "phone_number_id",
    "AttemptPhoneNumberVerification"
  ),
  CreateEmailAddress: create("email_address"),
  GetEmailAddress: get("email_address", "email_address_id"),
  UpdateEmailAddress: update("email_address", "email_address_id"),
  DeleteEmailAddress: remove("email_address", "email_address_id"),
  CreatePhoneNumber: create("phone_number"),
  GetPhoneNumber: get("phone_number", "phone_number_id"),
  UpdatePhoneNumber: update("phone_number", "phone_number_id"),
  DeletePhoneNumber: remove("phone_number", "phone_number_id")
}
