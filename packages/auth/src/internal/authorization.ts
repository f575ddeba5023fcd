/**
 * The rules of Clerk's `has()` and of the version 2 claim encodings, rewritten
 * from the semantics of Clerk's public SDK (`@clerk/shared`'s authorization and
 * JWT payload parser) so both answer alike for the same claims.
 */
import type { Reverification, ReverificationLevel } from "../Authorization.js"

/** An entitlement list (`fea`, `pla`): `scope:name` items, `o` organization, `u` user, `ou`/`uo` both. */
export interface Scoped {
  readonly org: ReadonlyArray<string>
  readonly user: ReadonlyArray<string>
}

/** `undefined` when an item has no scope: Clerk's parser throws there, so the list means nothing. */
export const splitByScope = (list: string): Scoped | undefined => {
  const org: Array<string> = []
  const user: Array<string> = []
  if (list === "") return { org, user }
  for (const raw of list.split(",")) {
    const item = raw.trim()
    const colon = item.indexOf(":")
    if (colon === -1) return undefined
    const scope = item.slice(0, colon)
    const name = item.slice(colon + 1)
    if (scope === "o" || scope === "ou" || scope === "uo") org.push(name)
    if (scope === "u" || scope === "ou" || scope === "uo") user.push(name)
  }
  return { org, user }
}

/**
 * The bits of a non-negative decimal of any length, least significant first,
 * padded with zeros to `length`; `undefined` for anything but digits.
 * `fpm` values can exceed 2^53, so this divides the decimal string by two.
 */
const bitsOfDecimal = (decimal: string, length: number): ReadonlyArray<number> | undefined => {
  if (!/^\d+$/.test(decimal)) return undefined
  const bits: Array<number> = []
  let digits = decimal.replace(/^0+/, "")
  while (digits !== "") {
    let quotient = ""
    let carry = 0
    for (const char of digits) {
      const value = carry * 10 + (char.charCodeAt(0) - 48)
      const digit = Math.floor(value / 2)
      if (quotient !== "" || digit !== 0) quotient += String(digit)
      carry = value % 2
    }
    bits.push(carry)
    digits = quotient
  }
  if (bits.length === 0) bits.push(0)
  while (bits.length < length) bits.push(0)
  return bits
}

/**
 * Version 2 organization permissions: for the i-th organization feature of
 * `fea`, the i-th `fpm` bitmap says which names of `per` the role has there;
 * each set bit j grants `org:<feature>:<per[j]>`.
 */
export const expandPermissions = (
  orgFeatures: ReadonlyArray<string>,
  per: string | undefined,
  fpm: string | undefined
): ReadonlyArray<string> => {
  if (per === undefined || per === "" || fpm === undefined || fpm === "") return []
  const names = per.split(",").map((name) => name.trim())
  const maps = fpm.split(",").map((value) => bitsOfDecimal(value.trim(), names.length) ?? [])
  const permissions: Array<string> = []
  orgFeatures.forEach((feature, index) => {
    const bits = maps[index] ?? []
    for (let bit = 0; bit < bits.length && bit < names.length; bit++) {
      if (bits[bit] === 1) permissions.push(`org:${feature}:${names[bit]}`)
    }
  })
  return permissions
}

/** What one dimension of a check says: asked and met, asked and not met, or not asked. */
type Verdict = "pass" | "fail" | "skip"

export interface Subject {
  readonly userId: string | undefined
  readonly orgId: string | undefined
  readonly orgRole: string | undefined
  readonly orgPermissions: ReadonlyArray<string> | undefined
  readonly features: string
  readonly plans: string
  readonly factorVerificationAge: readonly [number, number] | undefined
}

/** The parameters as a plain-JavaScript caller may pass them: anything but a string denies. */
export interface Asked {
  readonly role?: unknown
  readonly permission?: unknown
  readonly feature?: unknown
  readonly plan?: unknown
  readonly reverification?: unknown
}

const withOrgPrefix = (key: string) => key.replace(/^(org:)*/, "org:")

const organization = (asked: Asked, subject: Subject): Verdict => {
  const { role, permission } = asked
  if (role === undefined && permission === undefined) return "skip"
  if (role !== undefined && typeof role !== "string") return "fail"
  if (permission !== undefined && typeof permission !== "string") return "fail"
  if (subject.orgId === undefined || subject.orgId === "") return "fail"
  if (typeof role === "string") {
    const held = subject.orgRole
    if (held === undefined || held === "" || withOrgPrefix(held) !== withOrgPrefix(role)) return "fail"
  }
  if (typeof permission === "string") {
    if (subject.orgPermissions === undefined) return "fail"
    if (!subject.orgPermissions.includes(withOrgPrefix(permission))) return "fail"
  }
  return "pass"
}

const orgScopes = ["o", "org", "organization"]
const userScopes = ["u", "user"]

/** `name` anywhere, `o:name`/`org:name`/`organization:name` among the organization's, `u:`/`user:` among the user's. */
const entitled = (list: string, wanted: string): boolean => {
  const scoped = splitByScope(list)
  if (scoped === undefined) return false
  const parts = wanted.split(":")
  const scope = parts[0] ?? ""
  const name = parts[1]
  if (name === undefined) return scoped.org.includes(scope) || scoped.user.includes(scope)
  const id = name === "" ? scope : name
  if (orgScopes.includes(scope)) return scoped.org.includes(id)
  if (userScopes.includes(scope)) return scoped.user.includes(id)
  return false
}

const billing = (asked: Asked, subject: Subject): Verdict => {
  const { feature, plan } = asked
  if (feature === undefined && plan === undefined) return "skip"
  if (feature !== undefined && typeof feature !== "string") return "fail"
  if (plan !== undefined && typeof plan !== "string") return "fail"
  if (typeof feature === "string" && (subject.features === "" || !entitled(subject.features, feature)))
    return "fail"
  if (typeof plan === "string" && (subject.plans === "" || !entitled(subject.plans, plan))) return "fail"
  return "pass"
}

const presets: Record<string, { readonly level: ReverificationLevel; readonly afterMinutes: number }> = {
  strict_mfa: { level: "multi_factor", afterMinutes: 10 },
  strict: { level: "second_factor", afterMinutes: 10 },
  moderate: { level: "second_factor", afterMinutes: 60 },
  lax: { level: "second_factor", afterMinutes: 1440 }
}

const levels: ReadonlyArray<string> = ["first_factor", "second_factor", "multi_factor"]

/** A preset name or `{ level, afterMinutes }` with a known level and a positive number of minutes. */
const reverificationRule = (
  value: unknown
): { readonly level: string; readonly afterMinutes: number } | undefined => {
  if (typeof value === "string") return Object.hasOwn(presets, value) ? presets[value] : undefined
  if (typeof value !== "object" || value === null) return undefined
  const { level, afterMinutes } = value as Partial<Record<keyof Exclude<Reverification, string>, unknown>>
  return typeof level === "string" &&
    levels.includes(level) &&
    typeof afterMinutes === "number" &&
    afterMinutes > 0
    ? { level, afterMinutes }
    : undefined
}

const reverification = (asked: Asked, subject: Subject): Verdict => {
  if (asked.reverification === undefined) return "skip"
  const ages = subject.factorVerificationAge
  const rule = reverificationRule(asked.reverification)
  if (ages === undefined || rule === undefined) return "fail"
  const [first, second] = ages
  // -1: that factor group is not enabled for the user.
  if (first === -1 && second === -1) return "fail"
  const firstFresh = first !== -1 && rule.afterMinutes > first
  const secondFresh = second !== -1 && rule.afterMinutes > second
  switch (rule.level) {
    case "first_factor":
      return firstFresh ? "pass" : "fail"
    case "second_factor":
      // Without a second factor the first one stands in, and the other way round.
      if (second === -1) return firstFresh ? "pass" : "fail"
      return secondFresh ? "pass" : "fail"
    default:
      if (second === -1) return firstFresh ? "pass" : "fail"
      if (first === -1) return "fail"
      return firstFresh && secondFresh ? "pass" : "fail"
  }
}

/** Every dimension asked must pass, and at least one must have been asked. */
export const check = (asked: Asked, subject: Subject): boolean => {
  if (subject.userId === undefined || subject.userId === "") return false
  const verdicts = [organization(asked, subject), billing(asked, subject), reverification(asked, subject)]
  return verdicts.includes("pass") && verdicts.every((verdict) => verdict !== "fail")
}

/** `fva`: two factor ages in minutes, each a finite number that is -1 or at least 0. */
export const factorAges = (value: unknown): readonly [number, number] | undefined => {
  if (!Array.isArray(value) || value.length !== 2) return undefined
  const valid = (age: unknown): age is number =>
    typeof age === "number" && Number.isFinite(age) && (age === -1 || age >= 0)
  const [first, second] = value
  return valid(first) && valid(second) ? [first, second] : undefined
}
