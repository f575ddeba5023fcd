/**
 * `has` against the semantics of Clerk's `has()` (their documented rules and
 * public SDK), one row per case: each row's expectation is written from those
 * rules, never produced by the code under test. Tokens are signed with a key
 * made here and go through the whole verification path.
 */
import { Authorization, ClerkAuth, SessionAuth } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import type { JWTPayload } from "jose"
import { clientLayer } from "./support/client.js"
import { makeKey, sessionClaims, sign } from "./support/keys.js"

const now = 1_750_000_000

// One key for the whole table: making an RSA key pair is the dearest step of a row.
const sharedKey = Effect.runPromise(makeKey("ins_table"))

/** Signs `claims` and authenticates the token as a request's bearer token would be. */
const authOf = (extra: JWTPayload) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(now * 1000)
    const key = yield* Effect.promise(() => sharedKey)
    const context = yield* Layer.build(
      // Networkless: the client is never called.
      Layer.provide(ClerkAuth.layer({ jwtKey: key.pem }), clientLayer("http://127.0.0.1:9/v1"))
    )
    const token = yield* sign(key, sessionClaims(now, extra))
    const auth = yield* Effect.provide(
      Effect.flatMap(ClerkAuth.ClerkAuth, (clerkAuth) => clerkAuth.authenticateToken(token)),
      context
    )
    return { auth, token }
  })

/** A plain-JavaScript caller can pass anything; the type system cannot stop it. */
const fromJavaScript = (json: string): Authorization.Requirement => JSON.parse(json)

/**
 * A v2 session in organization org_1 as `admin`. Organization features are
 * `invoices` and `reports` (in that order), `beta` is the user's. `per` names
 * read and manage; `fpm` gives invoices 3 (read + manage) and reports 1 (read).
 * Plans: `pro` for the organization, `free` for the user. The first factor was
 * verified 5 minutes ago, the second 30.
 */
const v2 = {
  v: 2,
  o: { id: "org_1", rol: "admin", slg: "acme", per: "read,manage", fpm: "3,1" },
  fea: "o:invoices,o:reports,u:beta",
  pla: "o:pro,u:free",
  fva: [5, 30]
}

type Row = readonly [string, Authorization.Requirement, boolean]

const v2Rows: ReadonlyArray<Row> = [
  ["role with the org: prefix", { role: "org:admin" }, true],
  ["role without the prefix", { role: "admin" }, true],
  ["another role", { role: "org:member" }, false],
  ["permission granted by a feature's bitmap", { permission: "org:invoices:manage" }, true],
  ["permission without the org: prefix", { permission: "invoices:manage" }, true],
  ["permission whose bit is not set", { permission: "org:reports:manage" }, false],
  ["permission of the other feature", { permission: "org:reports:read" }, true],
  ["permission of a user feature (not in the bitmaps)", { permission: "org:beta:read" }, false],
  ["role and permission, both held", { role: "org:admin", permission: "org:reports:read" }, true],
  ["role and permission, permission missing", { role: "org:admin", permission: "org:reports:manage" }, false],
  ["role and permission, role missing", { role: "org:member", permission: "org:reports:read" }, false],
  ["unscoped feature of the organization", { feature: "invoices" }, true],
  ["unscoped feature of the user", { feature: "beta" }, true],
  ["o: feature the organization lacks", { feature: "o:beta" }, false],
  ["u: feature of the user", { feature: "u:beta" }, true],
  ["org: scope", { feature: "org:invoices" }, true],
  ["organization: scope", { feature: "organization:invoices" }, true],
  ["user: scope on an organization feature", { feature: "user:invoices" }, false],
  ["unknown scope", { feature: "team:invoices" }, false],
  ["feature nobody has", { feature: "exports" }, false],
  ["unscoped plan of the organization", { plan: "pro" }, true],
  ["u: plan the user lacks", { plan: "u:pro" }, false],
  ["o: plan", { plan: "o:pro" }, true],
  ["user: plan", { plan: "user:free" }, true],
  ["feature and plan, plan missing", { feature: "invoices", plan: "enterprise" }, false],
  ["feature and plan, both held", { feature: "invoices", plan: "free" }, true],
  ["role and feature, both held", { role: "admin", feature: "beta" }, true],
  ["permission and feature, feature missing", { permission: "org:invoices:read", feature: "exports" }, false],
  ["strict_mfa: both factors within 10 minutes (second is 30)", { reverification: "strict_mfa" }, false],
  ["strict: second factor within 10 minutes", { reverification: "strict" }, false],
  ["moderate: second factor within 60 minutes", { reverification: "moderate" }, true],
  ["lax: second factor within a day", { reverification: "lax" }, true],
  ["first_factor within 10 minutes", { reverification: { level: "first_factor", afterMinutes: 10 } }, true],
  [
    "first_factor within 5 minutes (age 5 is not within)",
    { reverification: { level: "first_factor", afterMinutes: 5 } },
    false
  ],
  ["multi_factor within 60 minutes", { reverification: { level: "multi_factor", afterMinutes: 60 } }, true],
  ["multi_factor within 20 minutes", { reverification: { level: "multi_factor", afterMinutes: 20 } }, false],
  ["afterMinutes 0 is invalid", { reverification: { level: "second_factor", afterMinutes: 0 } }, false],
  ["an unknown preset", fromJavaScript('{"reverification":"sometimes"}'), false],
  [
    "an unknown level",
    fromJavaScript('{"reverification":{"level":"third_factor","afterMinutes":60}}'),
    false
  ],
  [
    "reverification and permission, both met",
    { reverification: "moderate", permission: "org:invoices:read" },
    true
  ],
  [
    "reverification and permission, reverification not met",
    { reverification: "strict", permission: "org:invoices:read" },
    false
  ],
  ["all three dimensions met", { role: "admin", plan: "pro", reverification: "lax" }, true],
  ["nothing asked", {}, false],
  ["a key given as undefined is not asked", { role: undefined }, false],
  ["a role that is not a string", fromJavaScript('{"role":42}'), false],
  ["a permission that is not a string", fromJavaScript('{"permission":null}'), false],
  ["a feature that is not a string", fromJavaScript('{"feature":["invoices"]}'), false],
  ["a plan that is not a string", fromJavaScript('{"plan":{}}'), false]
]

/** Rows over other claims: [case, extra claims, requirement, expected]. */
const claimRows: ReadonlyArray<readonly [string, JWTPayload, Authorization.Requirement, boolean]> = [
  ["v2 without an organization: role", { v: 2, fea: "u:beta" }, { role: "admin" }, false],
  ["v2 without an organization: permission", { v: 2, fea: "u:beta" }, { permission: "org:beta:read" }, false],
  ["v2 without an organization: user feature", { v: 2, fea: "u:beta" }, { feature: "beta" }, true],
  ["no fea claim: feature", { v: 2 }, { feature: "beta" }, false],
  ["fea without a colon: feature", { v: 2, fea: "beta" }, { feature: "beta" }, false],
  ["pla without a colon: plan", { v: 2, pla: "pro" }, { plan: "pro" }, false],
  ["fea that is not a string", { v: 2, fea: ["u:beta"] }, { feature: "beta" }, false],
  ["ou: feature counts for both", { v: 2, fea: "ou:beta" }, { feature: "o:beta" }, true],
  ["uo: feature counts for both", { v: 2, fea: "uo:beta" }, { feature: "u:beta" }, true],
  ["v1 role", v1(), { role: "org:admin" }, true],
  ["v1 role without prefix", v1(), { role: "admin" }, true],
  ["v1 permission listed", v1(), { permission: "org:invoices:read" }, true],
  ["v1 permission not listed", v1(), { permission: "org:invoices:manage" }, false],
  [
    "v1 permissions that are not a list",
    v1({ org_permissions: "org:invoices:read" }),
    { permission: "org:invoices:read" },
    false
  ],
  ["v1 without org_id", v1({ org_id: undefined }), { role: "org:admin" }, false],
  ["no fva claim", { v: 2 }, { reverification: "lax" }, false],
  ["fva of one age", { v: 2, fva: [5] }, { reverification: "lax" }, false],
  ["fva with an age below -1", { v: 2, fva: [-2, 5] }, { reverification: "lax" }, false],
  ["fva that is not a list", { v: 2, fva: "5,5" }, { reverification: "lax" }, false],
  ["no factor enabled", { v: 2, fva: [-1, -1] }, { reverification: "lax" }, false],
  [
    "no second factor: strict falls back to the first",
    { v: 2, fva: [5, -1] },
    { reverification: "strict" },
    true
  ],
  [
    "no second factor: strict_mfa falls back to the first",
    { v: 2, fva: [5, -1] },
    { reverification: "strict_mfa" },
    true
  ],
  ["no second factor, stale first: strict", { v: 2, fva: [15, -1] }, { reverification: "strict" }, false],
  [
    "no first factor: first_factor",
    { v: 2, fva: [-1, 5] },
    { reverification: { level: "first_factor", afterMinutes: 60 } },
    false
  ],
  ["no first factor: strict uses the second", { v: 2, fva: [-1, 5] }, { reverification: "strict" }, true],
  [
    "no first factor: multi_factor",
    { v: 2, fva: [-1, 5] },
    { reverification: { level: "multi_factor", afterMinutes: 60 } },
    false
  ],
  ["both factors fresh: strict_mfa", { v: 2, fva: [1, 2] }, { reverification: "strict_mfa" }, true]
]

function v1(overrides: JWTPayload = {}): JWTPayload {
  return {
    v: undefined,
    org_id: "org_1",
    org_role: "org:admin",
    org_slug: "acme",
    org_permissions: ["org:invoices:read"],
    ...overrides
  }
}

describe("Authorization.has, as Clerk's has() answers", () => {
  it.scoped.each(v2Rows)("v2 session: %s", ([, requirement, expected]) =>
    Effect.gen(function* () {
      const { auth } = yield* authOf(v2)
      expect(auth).toBeInstanceOf(SessionAuth)
      expect(Authorization.has(auth, requirement)).toBe(expected)
      expect(auth.has(requirement)).toBe(expected)
    })
  )

  it.scoped.each(claimRows)("%s", ([, claims, requirement, expected]) =>
    Effect.gen(function* () {
      const { auth } = yield* authOf(claims)
      expect(auth._tag).toBe("SessionAuth")
      expect(Authorization.has(auth, requirement)).toBe(expected)
    })
  )
})

describe("SessionAuth from session claims", () => {
  it.scoped("reads a v2 organization, features, plans, actor, factor ages and the raw token", () =>
    Effect.gen(function* () {
      const { auth, token } = yield* authOf({ ...v2, act: { sub: "user_admin" }, sts: "active" })
      if (auth._tag !== "SessionAuth") return expect.unreachable()
      expect({
        orgId: auth.orgId,
        orgRole: auth.orgRole,
        orgSlug: auth.orgSlug,
        orgPermissions: auth.orgPermissions,
        features: auth.features,
        plans: auth.plans,
        factorVerificationAge: auth.factorVerificationAge,
        actor: auth.actor,
        sessionStatus: auth.sessionStatus
      }).toEqual({
        orgId: "org_1",
        orgRole: "org:admin",
        orgSlug: "acme",
        orgPermissions: ["org:invoices:read", "org:invoices:manage", "org:reports:read"],
        features: "o:invoices,o:reports,u:beta",
        plans: "o:pro,u:free",
        factorVerificationAge: [5, 30],
        actor: { sub: "user_admin" },
        sessionStatus: "active"
      })
      expect(Redacted.value(auth.token)).toBe(token)
      expect(String(auth.token)).not.toContain(token.slice(0, 20))
    })
  )

  it.scoped("reads v1 organization claims", () =>
    Effect.gen(function* () {
      const { auth } = yield* authOf(v1())
      if (auth._tag !== "SessionAuth") return expect.unreachable()
      expect([auth.orgId, auth.orgRole, auth.orgSlug, auth.orgPermissions]).toEqual([
        "org_1",
        "org:admin",
        "acme",
        ["org:invoices:read"]
      ])
    })
  )

  const expand = (fea: string, per: string | undefined, fpm: string | undefined) =>
    Effect.map(authOf({ v: 2, fea, o: { id: "org_1", rol: "admin", per, fpm } }), ({ auth }) =>
      auth._tag === "SessionAuth" ? auth.orgPermissions : undefined
    )

  it.scoped("expands fpm bitmaps: bit i of a feature's number grants the i-th name of per", () =>
    Effect.gen(function* () {
      // 7 = read, create, update; 21 = 0b10101 = read, update, revoke.
      expect(yield* expand("o:repos,o:projects", "read,create,update,delete,revoke", "7,21")).toEqual([
        "org:repos:read",
        "org:repos:create",
        "org:repos:update",
        "org:projects:read",
        "org:projects:update",
        "org:projects:revoke"
      ])
      // A feature without permissions keeps its place with 0; user features have no bitmap.
      expect(yield* expand("o:a,u:gold,uo:b,o:c", "read,manage", "0,2,1")).toEqual([
        "org:b:manage",
        "org:c:read"
      ])
      // A bitmap that is not a number grants nothing but keeps the others aligned.
      expect(yield* expand("o:a,o:b", "read,manage", "x,3")).toEqual(["org:b:read", "org:b:manage"])
      // Without per or fpm there are no organization permissions.
      expect(yield* expand("o:a", undefined, "1")).toEqual([])
      expect(yield* expand("o:a", "read", undefined)).toEqual([])
    })
  )

  it.scoped("expands bitmaps beyond 2^53 exactly", () =>
    Effect.gen(function* () {
      const names = Array.from({ length: 60 }, (_, i) => `p${i}`).join(",")
      // 2^53 + 1 and 2^59 + 2: numbers a double cannot hold.
      expect(yield* expand("o:f,o:g", names, "9007199254740993,576460752303423490")).toEqual([
        "org:f:p0",
        "org:f:p53",
        "org:g:p1",
        "org:g:p59"
      ])
    })
  )

  it.scoped("refuses a v2 organization token whose fea has an item without a scope", () =>
    Effect.gen(function* () {
      const { auth } = yield* authOf({ ...v2, fea: "invoices" })
      expect(auth).toMatchObject({ _tag: "SignedOut", reason: "InvalidClaims" })
    })
  )
})
