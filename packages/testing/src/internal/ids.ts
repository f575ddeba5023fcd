const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** Clerk ids are a resource prefix and 27 base62 characters, e.g. `user_2NNEqL2nrIRdJ194ndJqAHwEfxC`. */
export const makeId = (prefix: string): string => `${prefix}_${randomBase62(27)}`

export const randomBase62 = (length: number): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  let out = ""
  // 62 does not divide 256; the slight bias is irrelevant for test identifiers.
  for (const byte of bytes) out += alphabet[byte % 62]
  return out
}

export const traceId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}
