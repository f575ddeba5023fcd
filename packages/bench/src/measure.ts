/** Small timing helpers: wall time, best of batches, medians, and the report table. */

export const time = async (f: () => Promise<void>): Promise<number> => {
  const start = performance.now()
  await f()
  return performance.now() - start
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
