/**
 * The emulator's state in a file, so a server restarted with the same file
 * carries on where it stopped: every table of the store, and the signing key,
 * so session tokens issued before the restart still verify after it.
 *
 * The store is written whole, shortly after requests that changed it; a write
 * goes to a temporary file renamed over the old one, so a crash mid-write leaves
 * the previous state readable. Indexes are not written: restoring a table files
 * every record again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { type Duration, Effect } from "effect"
import type { JWK } from "jose"
import type { Store } from "./store.js"

/** Maps and Sets survive JSON as tagged arrays. */
const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Map
    ? { $map: [...value.entries()] }
    : value instanceof Set
      ? { $set: [...value.values()] }
      : value

const reviver = (_key: string, value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if ("$map" in value && Array.isArray(value.$map)) return new Map(value.$map)
  if ("$set" in value && Array.isArray(value.$set)) return new Set(value.$set)
  return value
}

interface Saved {
  readonly version: 1
  readonly signingKey: JWK
  /** The store's fields that hold state: its tables (maps), lists and counters. */
  readonly store: Record<string, unknown>
}

const isState = (value: unknown) => value instanceof Map || Array.isArray(value) || typeof value === "number"

const dump = (store: Store, signingKey: JWK): string =>
  JSON.stringify(
    {
      version: 1,
      signingKey,
      store: Object.fromEntries(Object.entries(store).filter(([, value]) => isState(value)))
    } satisfies Saved,
    replacer
  )

/** Puts the saved fields back into a fresh store, through its tables so that their indexes follow. */
export const restore = (store: Store, saved: Saved["store"]) => {
  const fields = store as unknown as Record<string, unknown>
  for (const [name, value] of Object.entries(saved)) {
    const current = fields[name]
    if (current instanceof Map && value instanceof Map) {
      current.clear()
      for (const [id, record] of value) current.set(id, record)
    } else if (Array.isArray(current) && Array.isArray(value)) {
      // A loop rather than a spread: a long outbox would overflow the call's argument limit.
      current.length = 0
      for (const item of value) current.push(item)
    } else if (typeof current === "number" && typeof value === "number") {
      fields[name] = value
    }
  }
}

/**
 * What `path` holds, or `undefined` for a file that does not exist yet. A file
 * that is not the emulator's state is refused: starting empty would overwrite it.
 */
export const read = (path: string) =>
  Effect.try({
    try: (): Saved | undefined => {
      if (!existsSync(path)) return undefined
      const saved: unknown = JSON.parse(readFileSync(path, "utf8"), reviver)
      if (!isSaved(saved)) throw new Error("not a Clerk emulator's state")
      return saved
    },
    catch: (cause) => `${path} cannot be restored: ${cause instanceof Error ? cause.message : String(cause)}`
  })

const isSaved = (value: unknown): value is Saved =>
  typeof value === "object" &&
  value !== null &&
  "version" in value &&
  value.version === 1 &&
  "signingKey" in value &&
  typeof value.signingKey === "object" &&
  "store" in value &&
  typeof value.store === "object" &&
  value.store !== null

/**
 * Keeps `path` up to date with `store`: `changed` says the state changed, and
 * the file is written `delay` later with every change made meanwhile. Nothing
 * runs while nothing changes.
 */
export const persist = (path: string, store: Store, signingKey: JWK, delay: Duration.DurationInput) => {
  let scheduled = false
  const write = Effect.suspend(() => {
    scheduled = false
    return Effect.try(() => {
      writeFileSync(`${path}.tmp`, dump(store, signingKey))
      renameSync(`${path}.tmp`, path)
    })
  }).pipe(
    // The next change tries again; the server keeps answering meanwhile.
    Effect.catchAll((error) => Effect.logError(`Clerk emulator: could not save its state to ${path}`, error))
  )
  return {
    changed: Effect.suspend(() => {
      if (scheduled) return Effect.void
      scheduled = true
      return Effect.asVoid(Effect.forkDaemon(Effect.delay(write, delay)))
    })
  }
}
