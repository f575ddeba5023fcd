/** Small timing helpers: wall time, GC time, best of batches, medians, and the report table. */
import { PerformanceObserver, constants } from "node:perf_hooks"
import * as Predicate from "effect/Predicate"

/** What V8's collector did during a run: full collections, and the milliseconds of all of its pauses. */
export interface Collections {
  readonly full: number
  readonly ms: number
}

/** V8's `gc`, which `node --expose-gc` puts on the global object. */
const collectGarbage = (): (() => void) => {
  const gc: unknown = Reflect.get(globalThis, "gc")
  if (typeof gc !== "function") throw new Error("the bench needs node --expose-gc")
  return () => gc()
}

/**
 * The wall time of `f`, and the collections that ran meanwhile. A client that
 * lets a page's text or objects outlive a young collection shows up here as
 * more GC time and more full collections than its peers. Each run starts from
 * a collected heap, so the garbage one client leaves is not collected on the
 * next one's time.
 */
export const time = async (f: () => Promise<void>): Promise<{ ms: number; gc: Collections }> => {
  collectGarbage()()
  // Its own entry arrives on a later turn, before the observer starts.
  await new Promise((resolve) => setTimeout(resolve, 0))
  let full = 0
  let gcMs = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration
      // Node's types do not declare a gc entry's `detail`, which holds its kind.
      const detail = Predicate.hasProperty(entry, "detail") ? entry.detail : undefined
      if (Predicate.hasProperty(detail, "kind") && detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++
    }
  })
  observer.observe({ entryTypes: ["gc"] })
  const start = performance.now()
  await f()
  const ms = performance.now() - start
  // Entries reach the observer after the collection, on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 0))
  observer.disconnect()
  return { ms, gc: { full, ms: gcMs } }
}

/** Per-call time of a synchronous function, best of several batches. */
export const bestSync = (f: () => unknown, batch = 20, rounds = 15): number => {
  let min = Number.POSITIVE_INFINITY
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    for (let i = 0; i < batch; i++) f()
    min = Math.min(min, (performance.now() - start) / batch)
  }
  return min
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

export const fixed = (value: number, digits = 2) => value.toFixed(digits)

export const verdict = (ok: boolean) => (ok ? "met" : "MISSED")
