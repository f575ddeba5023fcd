/**
 * Removes the configured secret key from what a server sent. A proxy or gateway
 * may echo the request's headers into its error page or debug JSON; whatever the
 * SDK keeps of an answer (an error's body, its messages, a rejected 2xx body) ends
 * up in logs, traces and `toString()`, so it is scrubbed before it is kept.
 */
import * as Predicate from "effect/Predicate"

export interface Scrub {
  readonly text: (text: string) => string
  /** Every string of a parsed JSON value, keys included. */
  readonly json: (value: unknown) => unknown
}

const placeholder = "[redacted secret key]"

export const scrubbing = (secret: string): Scrub => {
  const text = (value: string) => (value.includes(secret) ? value.replaceAll(secret, placeholder) : value)
  const json = (value: unknown): unknown => {
    if (typeof value === "string") return text(value)
    if (Array.isArray(value)) return value.map(json)
    if (!Predicate.isRecord(value)) return value
    const out: Record<string, unknown> = {}
    // defineProperty keeps a `__proto__` key an own key, as `JSON.parse` made it.
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, text(key), {
        value: json(item),
        enumerable: true,
        writable: true,
        configurable: true
      })
    return out
  }
  return { text, json }
}
