/**
 * `pnpm --filter @effect-clerk/bench typecheck-cost`: what type-checking a
 * one-file user program costs on this SDK (`typecheck/effectClerk.ts`) against
 * the same program on `@clerk/backend` (`typecheck/clerkBackend.ts`), as a user
 * compiles it: against the published `.d.ts`, with `skipLibCheck` on and off.
 * Each row is the median of interleaved runs of `tsc --extendedDiagnostics`;
 * CPU and peak memory are the tsc process's own.
 */
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { fixed, median, table } from "./measure.js"

const here = dirname(fileURLToPath(import.meta.url))
const tsc = createRequire(import.meta.url).resolve("typescript/lib/tsc.js")

const programs = {
  "@effect-clerk/backend": join(here, "typecheck/effectClerk.ts"),
  "@clerk/backend": join(here, "typecheck/clerkBackend.ts"),
  "effect alone (floor)": join(here, "typecheck/effectOnly.ts")
} as const

/** Reports the process's CPU time and peak memory as it exits, which tsc's own diagnostics do not. */
const reportUsage = `data:text/javascript,${encodeURIComponent(`process.on("exit", () => {
  const usage = process.resourceUsage()
  process.stdout.write("CPU ms: " + (usage.userCPUTime + usage.systemCPUTime) / 1000 + "\\n")
  process.stdout.write("Max RSS KB: " + usage.maxRSS + "\\n")
})`)}`

export interface Cost {
  readonly cpuMs: number
  readonly maxRssMb: number
  /** tsc's "Memory used": the heap once checking is done. */
  readonly heapMb: number
  readonly types: number
  readonly instantiations: number
  /**
   * Errors tsc reports in declaration files, with `skipLibCheck` off: the
   * dependencies of both SDKs have a few (types of optional peers missing).
   */
  readonly libErrors: ReadonlyArray<string>
}

const number = (output: string, label: string): number => {
  const match = new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(output)
  if (match === null) throw new Error(`tsc printed no ${label}:\n${output}`)
  return Number(match[1])
}

export const typecheck = (file: string, skipLibCheck: boolean): Cost => {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      reportUsage,
      tsc,
      "--noEmit",
      "--extendedDiagnostics",
      "--strict",
      "--target",
      "ES2022",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--types",
      "node",
      "--skipLibCheck",
      String(skipLibCheck),
      file
    ],
    { encoding: "utf8", cwd: here }
  )
  const output = result.stdout
  const errors = output.split("\n").filter((line) => /: error TS\d+/.test(line))
  const own = errors.filter((line) => !line.includes(".d.ts("))
  if (own.length > 0 || (result.status !== 0 && errors.length === 0))
    throw new Error(`${file} does not type-check:\n${output}${result.stderr}`)
  return {
    cpuMs: number(output, "CPU ms"),
    maxRssMb: number(output, "Max RSS KB") / 1024,
    heapMb: number(output, "Memory used") / 1024,
    types: number(output, "Types"),
    instantiations: number(output, "Instantiations"),
    libErrors: errors.map((line) => line.replace(/^.*node_modules\//, ""))
  }
}

/** The median of `rounds` runs of each program, interleaved so load on the machine falls on both alike. */
export const compare = (skipLibCheck: boolean, rounds: number) => {
  const runs = Object.fromEntries(Object.keys(programs).map((name) => [name, [] as Array<Cost>]))
  for (let round = 0; round < rounds; round++)
    for (const [name, file] of Object.entries(programs)) runs[name]!.push(typecheck(file, skipLibCheck))
  return Object.fromEntries(
    Object.entries(runs).map(([name, costs]) => [
      name,
      {
        cpuMs: median(costs.map((cost) => cost.cpuMs)),
        maxRssMb: median(costs.map((cost) => cost.maxRssMb)),
        heapMb: median(costs.map((cost) => cost.heapMb)),
        types: median(costs.map((cost) => cost.types)),
        instantiations: median(costs.map((cost) => cost.instantiations)),
        libErrors: costs[0]!.libErrors
      } satisfies Cost
    ])
  ) as Record<keyof typeof programs, Cost>
}

const ratio = (ours: number, theirs: number) => `${fixed(ours / theirs, 2)}×`

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.env.TYPECHECK_ROUNDS ?? 5)
  for (const skipLibCheck of [true, false]) {
    const costs = compare(skipLibCheck, rounds)
    const ours = costs["@effect-clerk/backend"]
    const ratios = (label: string, theirs: Cost) => [
      label,
      ratio(ours.cpuMs, theirs.cpuMs),
      ratio(ours.maxRssMb, theirs.maxRssMb),
      ratio(ours.heapMb, theirs.heapMb),
      ratio(ours.types, theirs.types),
      ratio(ours.instantiations, theirs.instantiations)
    ]
    console.log(`\nskipLibCheck ${skipLibCheck}, median of ${rounds}`)
    console.log(
      table(
        ["program", "CPU ms", "max RSS MB", "heap MB", "types", "instantiations"],
        [
          ...Object.entries(costs).map(([name, cost]) => [
            name,
            fixed(cost.cpuMs, 0),
            fixed(cost.maxRssMb, 0),
            fixed(cost.heapMb, 0),
            String(cost.types),
            String(cost.instantiations)
          ]),
          ratios("ours ÷ @clerk/backend", costs["@clerk/backend"]),
          ratios("ours ÷ effect alone", costs["effect alone (floor)"])
        ]
      )
    )
    for (const [name, cost] of Object.entries(costs))
      for (const error of cost.libErrors) console.log(`${name}: ${error}`)
  }
}
