/**
 * JWT templates and the tokens made from them
 * (`POST /sessions/{session_id}/tokens/{template_name}`): the template's claims
 * with Clerk's shortcodes filled in from the session's user, active organization
 * and membership, then the default claims, which a template cannot override.
 */
import { Effect } from "effect"
import { importPKCS8, SignJWT } from "jose"
import type { Handler, Handlers, Params } from "../context.js"
import {
  apiError,
  type ClerkApiError,
  identifierExists,
  notFound,
  paramInvalid,
  paramMissing
} from "../errors.js"
import { randomBase62 } from "../ids.js"
import { type JsonObject, listed, metadata, pageOf } from "../params.js"
import { findUser } from "../lookups.js"
import { deletedJson, imageUrl } from "../serialize.js"
import { activeMembership, activeSession } from "./sessions.js"
import { isRecord } from "../shape.js"
import type { JwtTemplateRecord, SessionRecord, Store, UserRecord } from "../store.js"

const algorithms = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]

const templateJson = (t: JwtTemplateRecord) => ({
  object: "jwt_template",
  id: t.id,
  name: t.name,
  claims: t.claims,
  lifetime: t.lifetime,
  allowed_clock_skew: t.allowedClockSkew,
  custom_signing_key: t.customSigningKey,
  signing_algorithm: t.signingAlgorithm,
  created_at: t.createdAt,
  updated_at: t.updatedAt
})

const findTemplate = (store: Store, id: string): Effect.Effect<JwtTemplateRecord, ClerkApiError> =>
  Effect.suspend(() => {
    const template = store.jwtTemplates.get(id)
    return template === undefined ? Effect.fail(notFound("JWT template")) : Effect.succeed(template)
  })

type TemplateFields = Omit<JwtTemplateRecord, "id" | "createdAt" | "updatedAt">

/** What a create or update sets; Clerk's defaults fill in what a create leaves out. */
const readTemplate = (
  store: Store,
  params: Params<"CreateJWTTemplate">,
  self?: JwtTemplateRecord
): Effect.Effect<TemplateFields, ClerkApiError> =>
  Effect.gen(function* () {
    const { name } = params
    if ([...store.jwtTemplates.values()].some((t) => t.name === name && t !== self))
      return yield* identifierExists("name", "name")
    const claims = (yield* metadata("claims", params.claims)) ?? {}
    const customSigningKey = params.customSigningKey ?? self?.customSigningKey ?? false
    const signingAlgorithm = params.signingAlgorithm ?? self?.signingAlgorithm ?? "RS256"
    const signingKey = params.signingKey ?? self?.signingKey ?? null
    if (customSigningKey) {
      if (!algorithms.includes(signingAlgorithm))
        return yield* paramInvalid(
          "signing_algorithm",
          `signing_algorithm must be one of ${algorithms.join(", ")}.`
        )
      if (signingKey === null || signingKey === "") return yield* paramMissing("signing_key")
    }
    return {
      name,
      claims,
      lifetime: params.lifetime ?? self?.lifetime ?? 60,
      allowedClockSkew: params.allowedClockSkew ?? self?.allowedClockSkew ?? 5,
      customSigningKey,
      signingAlgorithm: customSigningKey ? signingAlgorithm : "RS256",
      signingKey: customSigningKey ? signingKey : null
    }
  })

/** The key a custom-signed template signs with: an HMAC secret, or a PKCS#8 PEM private key. */
const customKey = (
  algorithm: string,
  signingKey: string
): Effect.Effect<CryptoKey | Uint8Array, ClerkApiError> =>
  algorithm.startsWith("HS")
    ? Effect.succeed(new TextEncoder().encode(signingKey))
    : Effect.tryPromise({
        try: () => importPKCS8(signingKey, algorithm),
        catch: () =>
          paramInvalid("signing_key", `signing_key must be a PKCS#8 PEM private key for ${algorithm}.`)
      })

/** Checks a custom key before anything is stored, so a template that cannot sign is never kept. */
const checkKey = (fields: TemplateFields): Effect.Effect<void, ClerkApiError> =>
  fields.customSigningKey && fields.signingKey !== null
    ? Effect.asVoid(customKey(fields.signingAlgorithm, fields.signingKey))
    : Effect.void

// Shortcodes ---------------------------------------------------------------

const seconds = (millis: number | null): number | null => (millis === null ? null : Math.floor(millis / 1000))

/** The values shortcodes read: `user.*`, `org.*` and `org_membership.*`, as Clerk names them. */
const shortcodeContext = (store: Store, session: SessionRecord, user: UserRecord): JsonObject => {
  const email =
    user.primaryEmailAddressId === null ? undefined : store.identifications.get(user.primaryEmailAddressId)
  const phone =
    user.primaryPhoneNumberId === null ? undefined : store.identifications.get(user.primaryPhoneNumberId)
  const fullName = [user.firstName, user.lastName].filter((part) => part !== null && part !== "").join(" ")
  const active = activeMembership(store, session)
  const image = (imageId: string | null) => ({
    image_url: imageId === null ? null : imageUrl(imageId),
    has_image: imageId !== null
  })
  return {
    user: {
      id: user.id,
      external_id: user.externalId,
      first_name: user.firstName,
      last_name: user.lastName,
      full_name: fullName === "" ? null : fullName,
      username: user.username,
      created_at: seconds(user.createdAt),
      updated_at: seconds(user.updatedAt),
      primary_email_address: email?.value ?? null,
      email_verified: email?.verified ?? false,
      primary_phone_address: phone?.value ?? null,
      phone_number_verified: phone?.verified ?? false,
      ...image(user.imageId),
      public_metadata: user.publicMetadata,
      unsafe_metadata: user.unsafeMetadata,
      two_factor_enabled: false,
      organizations: Object.fromEntries(store.membershipsOf(user.id).map((m) => [m.organizationId, m.role]))
    },
    org:
      active === undefined
        ? {}
        : {
            id: active.organization.id,
            name: active.organization.name,
            slug: active.organization.slug,
            ...image(active.organization.imageId),
            public_metadata: active.organization.publicMetadata
          },
    org_membership:
      active === undefined
        ? {}
        : {
            role: active.membership.role,
            permissions: store.permissionKeysOf(active.membership.role),
            public_metadata: active.membership.publicMetadata
          }
  }
}

/** One operand: a literal (`'text'`, a number, `true`/`false`) or a dotted path, null when absent. */
const operand = (context: JsonObject, text: string): unknown => {
  const literal = /^'(.*)'$/s.exec(text)
  if (literal) return literal[1]
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  if (text === "true" || text === "false") return text === "true"
  let value: unknown = context
  for (const segment of text.split(".")) {
    if (!isRecord(value) || !Object.hasOwn(value, segment)) return null
    value = value[segment]
  }
  return value ?? null
}

/** `a || b || c`: the first operand neither null nor false, else the last one. */
const expression = (context: JsonObject, text: string): unknown => {
  const values = text.split("||").map((part) => operand(context, part.trim()))
  return values.find((value) => value !== null && value !== false) ?? values[values.length - 1] ?? null
}

const whole = /^\{\{(.*?)\}\}$/s
const inline = /\{\{(.*?)\}\}/gs

/**
 * A string that is one shortcode keeps the value's type; shortcodes inside
 * other text make a string (a null reading `null`), trimmed as Clerk trims it.
 */
const render = (context: JsonObject, value: unknown): unknown => {
  if (typeof value === "string") {
    const alone = whole.exec(value)
    if (alone?.[1] !== undefined && !alone[1].includes("{{")) return expression(context, alone[1].trim())
    if (!value.includes("{{")) return value
    return value
      .replace(inline, (_, text: string) => {
        const result = expression(context, text.trim())
        return typeof result === "string" ? result : JSON.stringify(result)
      })
      .trim()
  }
  if (Array.isArray(value)) return value.map((item) => render(context, item))
  if (isRecord(value)) {
    const rendered: JsonObject = {}
    for (const [key, item] of Object.entries(value)) rendered[key] = render(context, item)
    return rendered
  }
  return value
}

const templateToken: Handler<"CreateSessionTokenFromTemplate"> = (params, { store, keys }) =>
  Effect.gen(function* () {
    const session = yield* activeSession(store, params.sessionId)
    const user = yield* findUser(store, session.userId)
    const name = params.templateName
    const template = [...store.jwtTemplates.values()].find((t) => t.name === name)
    if (template === undefined)
      return yield* apiError(404, "resource_not_found", "not found", `No JWT template named ${name} exists.`)
    const lifetime = params.expiresInSeconds ?? template.lifetime
    const iat = Math.floor(Date.now() / 1000)
    const rendered = render(shortcodeContext(store, session, user), template.claims)
    const claims: JsonObject = {
      ...(isRecord(rendered) ? rendered : {}),
      exp: iat + lifetime,
      iat,
      iss: keys.issuer,
      jti: randomBase62(20),
      nbf: iat - template.allowedClockSkew,
      sub: session.userId
    }
    const jwt =
      template.customSigningKey && template.signingKey !== null
        ? yield* Effect.flatMap(customKey(template.signingAlgorithm, template.signingKey), (key) =>
            Effect.promise(() =>
              new SignJWT(claims).setProtectedHeader({ alg: template.signingAlgorithm, typ: "JWT" }).sign(key)
            )
          )
        : yield* keys.sign(claims)
    return { object: "token", jwt }
  })

export const handlers: Handlers = {
  ListJWTTemplates: (params, { store }) =>
    Effect.sync(() =>
      listed(
        params,
        pageOf(params),
        [...store.jwtTemplates.values()].sort((a, b) => b.createdAt - a.createdAt),
        templateJson
      )
    ),
  CreateJWTTemplate: (params, { store }) =>
    Effect.gen(function* () {
      yield* checkKey(yield* readTemplate(store, params))
      // Read again: another request may have taken the name while the key was checked.
      const fields = yield* readTemplate(store, params)
      const now = store.now()
      const template: JwtTemplateRecord = {
        id: store.newId("jtmp"),
        ...fields,
        createdAt: now,
        updatedAt: now
      }
      store.jwtTemplates.set(template.id, template)
      return templateJson(template)
    }),
  GetJWTTemplate: (params, { store }) => Effect.map(findTemplate(store, params.templateId), templateJson),
  UpdateJWTTemplate: (params, { store }) =>
    Effect.gen(function* () {
      yield* checkKey(yield* readTemplate(store, params, yield* findTemplate(store, params.templateId)))
      // Read again: the template may have changed or gone while the key was checked.
      const template = yield* findTemplate(store, params.templateId)
      Object.assign(template, yield* readTemplate(store, params, template), { updatedAt: store.now() })
      return templateJson(template)
    }),
  DeleteJWTTemplate: (params, { store }) =>
    Effect.map(findTemplate(store, params.templateId), (template) => {
      store.jwtTemplates.delete(template.id)
      return deletedJson("jwt_template", template.id)
    }),
  CreateSessionTokenFromTemplate: templateToken
}
