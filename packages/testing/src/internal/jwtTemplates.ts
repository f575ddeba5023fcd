/**
 * JWT templates and the tokens made from them
 * (`POST /sessions/{session_id}/tokens/{template_name}`): the template's claims
 * with Clerk's shortcodes filled in from the session's user, active organization
 * and membership, then the default claims, which a template cannot override.
 */
import { Effect } from "effect"
import { importPKCS8, SignJWT } from "jose"
import { attempt, type RawHandler, type RawContext, param, sync } from "./context.js"
import {
  apiError,
  type ClerkApiError,
  identifierExists,
  notFound,
  paramInvalid,
  paramMissing
} from "./errors.js"
import { randomBase62 } from "./ids.js"
import {
  bodyObject,
  type JsonObject,
  listAnswer,
  optBoolean,
  optInteger,
  optMetadata,
  optString,
  page,
  reqString
} from "./params.js"
import { deletedJson, imageUrl } from "./serialize.js"
import { activeMembership, activeSession } from "./sessions.js"
import { isRecord } from "./shape.js"
import type { JwtTemplateRecord, SessionRecord, Store } from "./store.js"

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

const templateParam = (ctx: RawContext): JwtTemplateRecord => {
  const template = ctx.store.jwtTemplates.get(param(ctx, "template_id"))
  if (template === undefined) throw notFound("JWT template")
  return template
}

const bounded = (body: JsonObject, key: string, min: number, max: number): number | undefined => {
  const value = optInteger(body, key) ?? undefined
  if (value !== undefined && (value < min || value > max)) {
    throw paramInvalid(key, `${key} must be between ${min} and ${max}.`)
  }
  return value
}

/** What a create or update sets; Clerk's defaults fill in what a create leaves out. */
const readTemplate = (store: Store, body: JsonObject, self?: JwtTemplateRecord) => {
  const name = reqString(body, "name")
  if ([...store.jwtTemplates.values()].some((t) => t.name === name && t !== self)) {
    throw identifierExists("name", "name")
  }
  const claims = optMetadata(body, "claims")
  if (claims === undefined) throw paramMissing("claims")
  const customSigningKey = optBoolean(body, "custom_signing_key") ?? self?.customSigningKey ?? false
  const signingAlgorithm = optString(body, "signing_algorithm") ?? self?.signingAlgorithm ?? "RS256"
  const signingKey = optString(body, "signing_key") ?? self?.signingKey ?? null
  if (customSigningKey) {
    if (!algorithms.includes(signingAlgorithm)) {
      throw paramInvalid("signing_algorithm", `signing_algorithm must be one of ${algorithms.join(", ")}.`)
    }
    if (signingKey === null || signingKey === "") throw paramMissing("signing_key")
  }
  return {
    name,
    claims,
    lifetime: bounded(body, "lifetime", 30, 315360000) ?? self?.lifetime ?? 60,
    allowedClockSkew: bounded(body, "allowed_clock_skew", 0, 300) ?? self?.allowedClockSkew ?? 5,
    customSigningKey,
    signingAlgorithm: customSigningKey ? signingAlgorithm : "RS256",
    signingKey: customSigningKey ? signingKey : null
  }
}

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
const checkKey = (fields: ReturnType<typeof readTemplate>): Effect.Effect<void, ClerkApiError> =>
  fields.customSigningKey && fields.signingKey !== null
    ? Effect.asVoid(customKey(fields.signingAlgorithm, fields.signingKey))
    : Effect.void

// Shortcodes ---------------------------------------------------------------

const seconds = (millis: number | null): number | null => (millis === null ? null : Math.floor(millis / 1000))

/** The values shortcodes read: `user.*`, `org.*` and `org_membership.*`, as Clerk names them. */
const shortcodeContext = (store: Store, session: SessionRecord): JsonObject => {
  const user = store.users.get(session.userId)
  if (user === undefined) throw notFound("user")
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

const templateToken: RawHandler = (ctx) =>
  Effect.flatMap(
    attempt(() => {
      const { store } = ctx
      const session = activeSession(store, param(ctx, "session_id"))
      const name = param(ctx, "template_name")
      const template = [...store.jwtTemplates.values()].find((t) => t.name === name)
      if (template === undefined) {
        throw apiError(404, "resource_not_found", "not found", `No JWT template named ${name} exists.`)
      }
      const lifetime = bounded(bodyObject(ctx.body), "expires_in_seconds", 30, 315360000) ?? template.lifetime
      const iat = Math.floor(Date.now() / 1000)
      const rendered = render(shortcodeContext(store, session), template.claims)
      const claims: JsonObject = {
        ...(isRecord(rendered) ? rendered : {}),
        exp: iat + lifetime,
        iat,
        iss: ctx.keys.issuer,
        jti: randomBase62(20),
        nbf: iat - template.allowedClockSkew,
        sub: session.userId
      }
      return { template, claims }
    }),
    ({ template, claims }) => {
      const signed =
        template.customSigningKey && template.signingKey !== null
          ? Effect.flatMap(customKey(template.signingAlgorithm, template.signingKey), (key) =>
              Effect.promise(() =>
                new SignJWT(claims)
                  .setProtectedHeader({ alg: template.signingAlgorithm, typ: "JWT" })
                  .sign(key)
              )
            )
          : ctx.keys.sign(claims)
      return Effect.map(signed, (jwt) => ({ object: "token", jwt }))
    }
  )

export const handlers: Record<string, RawHandler> = {
  ListJWTTemplates: sync((ctx) =>
    listAnswer(
      ctx.query,
      page(ctx.query),
      [...ctx.store.jwtTemplates.values()].sort((a, b) => b.createdAt - a.createdAt),
      templateJson
    )
  ),
  CreateJWTTemplate: (ctx) =>
    attempt(() => readTemplate(ctx.store, bodyObject(ctx.body))).pipe(
      Effect.tap(checkKey),
      Effect.flatMap(() =>
        attempt(() => {
          const { store } = ctx
          // Read again: another request may have taken the name while the key was checked.
          const fields = readTemplate(store, bodyObject(ctx.body))
          const now = store.now()
          const template: JwtTemplateRecord = {
            id: store.newId("jtmp"),
            ...fields,
            createdAt: now,
            updatedAt: now
          }
          store.jwtTemplates.set(template.id, template)
          return templateJson(template)
        })
      )
    ),
  GetJWTTemplate: sync((ctx) => templateJson(templateParam(ctx))),
  UpdateJWTTemplate: (ctx) =>
    attempt(() => readTemplate(ctx.store, bodyObject(ctx.body), templateParam(ctx))).pipe(
      Effect.tap(checkKey),
      Effect.flatMap(() =>
        attempt(() => {
          const { store } = ctx
          const template = templateParam(ctx)
          Object.assign(template, readTemplate(store, bodyObject(ctx.body), template), {
            updatedAt: store.now()
          })
          return templateJson(template)
        })
      )
    ),
  DeleteJWTTemplate: sync((ctx) => {
    const template = templateParam(ctx)
    ctx.store.jwtTemplates.delete(template.id)
    return deletedJson("jwt_template", template.id)
  }),
  CreateSessionTokenFromTemplate: templateToken
}
