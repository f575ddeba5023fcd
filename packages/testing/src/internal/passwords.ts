/**
 * Passwords as the emulator keeps them: a salted scrypt hash of a password set in
 * clear, so `verify_password` can answer and a saved state file holds no password.
 * A password given as a digest (`password_digest`, from an import) is kept as
 * set but cannot be checked here: the emulator has none of Clerk's hashers.
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto"

// Cheap parameters on purpose: the emulator's users are fixtures, and tests create many.
const cost = { N: 1024, r: 8, p: 1 } as const
const keyLength = 32

export const hashPassword = (password: string): string => {
  const salt = randomBytes(16)
  return `${salt.toString("base64")}:${scryptSync(password, salt, keyLength, cost).toString("base64")}`
}

export const passwordMatches = (hash: string, password: string): boolean => {
  const [salt = "", expected = ""] = hash.split(":")
  const actual = scryptSync(password, Buffer.from(salt, "base64"), keyLength, cost)
  const wanted = Buffer.from(expected, "base64")
  return wanted.length === actual.length && timingSafeEqual(actual, wanted)
}
