/**
 * `pnpm bench`: this SDK against the floor (`fetch` + `JSON.parse`), Node's
 * limit (`undici.request` + `JSON.parse`) and `@clerk/backend`, all against one
 * local keep-alive server, in one run. Prints tables with ratios to the floor.
 * The SDK runs as the README's first example provides it (`UndiciHttpClient`
 * from `@effect-clerk/backend/node`); a second row shows it over the platform's
 * `NodeHttpClient.layerUndici`.
 */
import { execFileSync, fork } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Models from "@effect-clerk/backend/Models"
import * as Schema from "effect/Schema"
// The decoder is internal (not in the exports map); the bench measures it from source.
import * as Decode from "../../backend/src/internal/fastDecode.js"
import * as ResponseDecoder from "../../backend/src/internal/responseDecoder.js"
import { allClients, type Client } from "./clients.js"
import { bestSync, type Collections, fixed, median, table, time, verdict } from "./measure.js"
import { bundleSizes } from "./size.js"
import { type StreamMode, streamModes } from "./streamChild.js"
import { usersJson } from "./users.js"

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = join(here, "..")

const startServerProcess = () =>
  new Promise<{ origin: string; stop: () => void }>((resolve, reject) => {
    const child = fork(join(here, "serverProcess.ts"), [], {
      execArgv: ["--import", "tsx"],
      stdio: "inherit"
    })
    child.once("error", reject)
    child.once("message", (message) =>
      resolve({ origin: (message as { origin: string }).origin, stop: () => child.disconnect() })
    )
  })

interface Scenario {
  readonly name: string
  readonly ops: number
  readonly rounds: number
  readonly warmup: (client: Client) => Promise<void>
  readonly run: (client: Client) => Promise<void>
}

const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "get user ×2000 (sequential)",
    ops: 2000,
    // An Effect program's call path needs a few thousand calls before V8 has optimised all of it.
    rounds: 5,
    warmup: (c) => c.gets(3000),
    run: (c) => c.gets(2000)
  },
  {
    name: "list 500 users ×200",
    ops: 200,
    // Its young collections fall either between calls or in the middle of a page's
    // parse, and stay there for a whole round, so one client's rounds differ widely
    // from one to the next; two rounds often caught none fast.
    rounds: 5,
    warmup: (c) => c.lists(10, 500),
    run: (c) => c.lists(200, 500)
  },
  {
    name: "get user ×4000, 16 concurrent",
    ops: 4000,
    rounds: 3,
    warmup: (c) => c.concurrentGets(500, 16),
    run: (c) => c.concurrentGets(4000, 16)
  }
]

interface ScenarioResult {
  /** The fastest round of each client. */
  readonly best: Map<string, number>
  /** Each client's median over the rounds of its time against the floor's in the same round. */
  readonly pairedRatio: Map<string, number>
  /** Each client's collections, summed over its rounds. */
  readonly collections: Map<string, Collections>
}

const runScenarios = async (origin: string) => {
  const clients = allClients(origin)
  const floorName = clients[0]!.name
  const results = new Map<string, ScenarioResult>()
  for (const scenario of scenarios) {
    const times = new Map<string, Array<number>>()
    const collections = new Map<string, Collections>()
    for (const client of clients) await scenario.warmup(client)
    // Rounds interleave the clients so that a noisy moment does not hit one of them only.
    for (let round = 0; round < scenario.rounds; round++)
      for (const client of clients) {
        const { ms, gc } = await time(() => scenario.run(client))
        times.set(client.name, [...(times.get(client.name) ?? []), ms])
        const sum = collections.get(client.name) ?? { full: 0, ms: 0 }
        collections.set(client.name, { full: sum.full + gc.full, ms: sum.ms + gc.ms })
      }
    const floor = times.get(floorName)!
    const best = new Map<string, number>()
    const pairedRatio = new Map<string, number>()
    for (const [name, rounds] of times) {
      best.set(name, Math.min(...rounds))
      pairedRatio.set(name, median(rounds.map((ms, round) => ms / floor[round]!)))
    }
    results.set(scenario.name, { best, pairedRatio, collections })
  }
  for (const client of clients) await client.close()
  const rows = scenarios.flatMap((scenario) => {
    const { best, pairedRatio, collections } = results.get(scenario.name)!
    const floor = best.get(floorName)!
    return clients.map((client) => {
      const ms = best.get(client.name)!
      const gc = collections.get(client.name)!
      return [
        scenario.name,
        client.name,
        fixed(ms, 1),
        fixed((ms * 1000) / scenario.ops, 1),
        fixed(ms / floor),
        fixed(pairedRatio.get(client.name)!),
        fixed((gc.ms * 1000) / (scenario.ops * scenario.rounds), 1),
        String(gc.full)
      ]
    })
  })
  console.log(
    table(
      [
        "scenario",
        "client",
        "best ms",
        "µs/op",
        "× floor",
        "× floor, median of rounds",
        "GC µs/op (all rounds)",
        "full GCs (all rounds)"
      ],
      rows
    )
  )
  return results
}

const streamRun = (mode: StreamMode, total: number, origin: string) => {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", join(here, "streamChild.ts"), mode, String(total), origin],
    {
      cwd: packageDir,
      encoding: "utf8"
    }
  )
  return JSON.parse(out) as { ms: number; items: number; peakRssMb: number }
}

/**
 * Each streaming run's time and peak RSS swing with when V8 happens to collect
 * (the same run's GC time can double): every mode runs `streamRounds` times,
 * the rounds interleaved so drift hits all modes alike, and the medians count.
 */
const streamRounds = 5

const runStreams = (origin: string) => {
  const runs = new Map<string, Array<{ ms: number; items: number; peakRssMb: number }>>()
  for (let round = 0; round < streamRounds; round++)
    for (const total of [20_000, 100_000])
      for (const mode of streamModes) {
        const key = `${mode}:${total}`
        runs.set(key, [...(runs.get(key) ?? []), streamRun(mode, total, origin)])
      }
  const results = new Map<string, { ms: number; items: number; peakRssMb: number }>()
  const rows: Array<Array<string>> = []
  for (const total of [20_000, 100_000])
    for (const mode of streamModes) {
      const rounds = runs.get(`${mode}:${total}`) ?? []
      const result = {
        ms: median(rounds.map((run) => run.ms)),
        items: total,
        peakRssMb: median(rounds.map((run) => run.peakRssMb))
      }
      results.set(`${mode}:${total}`, result)
      rows.push([
        `stream ${total.toLocaleString("en")} users`,
        mode,
        fixed(result.ms, 0),
        fixed((result.items / result.ms) * 1000, 0),
        fixed(result.peakRssMb, 0)
      ])
    }
  console.log(
    table(
      [
        "scenario",
        "how",
        `ms (median of ${streamRounds})`,
        "users/s",
        `peak RSS MB (median of ${streamRounds})`
      ],
      rows
    )
  )
  return results
}

const runDecode = () => {
  const text = usersJson(0, 500)
  const schema = Schema.Array(Models.User)
  const generated = ResponseDecoder.fastDecoder(schema.ast)
  if (generated === undefined) throw new Error("a list of users carries no generated decoder")
  const invalid = Symbol("invalid")
  const compiled = (input: unknown) => Decode.attempt(input, generated, invalid)
  const interpreted = Schema.decodeUnknownEither(schema)
  const parsed = JSON.parse(text)
  if (compiled(parsed) === invalid) throw new Error("the bench users do not decode")
  const parse = bestSync(() => JSON.parse(text))
  const fast = bestSync(() => compiled(parsed))
  const slow = bestSync(() => interpreted(parsed), 3, 5)
  // The rows above decode one parsed page again and again, which stays in the CPU's
  // caches; a call decodes a page just parsed, with the collections its copy sets off.
  const afterParse = bestSync(() => compiled(JSON.parse(text))) - parse
  console.log(
    table(
      ["decode-only, 500 users", "ms", "× JSON.parse"],
      [
        [`JSON.parse (${fixed(text.length / 1e6)} MB)`, fixed(parse, 3), "1.00"],
        ["generated decoder", fixed(fast, 3), fixed(fast / parse)],
        ["generated decoder, right after JSON.parse", fixed(afterParse, 3), fixed(afterParse / parse)],
        ["Schema.decodeUnknownEither", fixed(slow, 3), fixed(slow / parse)]
      ]
    )
  )
  return fast / parse
}

const importTime = (code: string, runs = 7) =>
  median(
    Array.from({ length: runs }, () =>
      Number(
        execFileSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const t = performance.now(); ${code}; process.stdout.write(String(performance.now() - t))`
          ],
          { cwd: packageDir, encoding: "utf8" }
        )
      )
    )
  )

const runImports = () => {
  const effectOnly = importTime(`await import("effect"); await import("@effect/platform")`)
  const sdk = importTime(`await import("@effect-clerk/backend")`)
  console.log(
    table(
      ["cold import (median of 7)", "ms"],
      [
        ["effect + @effect/platform", fixed(effectOnly, 1)],
        ["@effect-clerk/backend", fixed(sdk, 1)]
      ]
    )
  )
}

const runSizes = async () => {
  const { sdk, barrel, effectOnly } = await bundleSizes(packageDir)
  const row = (name: string, size: { minified: number; gzip: number }, operations: string) => [
    name,
    String(size.minified),
    String(size.gzip),
    operations
  ]
  console.log(
    table(
      ["one-operation program (esbuild --minify)", "min bytes", "gzip bytes", "operations inside"],
      [
        row("Users.get, deep imports", sdk, String(sdk.operations)),
        row("Users.get, package index imports", barrel, String(barrel.operations)),
        row("same by hand, effect + @effect/platform", effectOnly, "-")
      ]
    )
  )
  return { share: sdk.gzip - effectOnly.gzip, operations: sdk.operations }
}

const main = async () => {
  const server = await startServerProcess()
  try {
    const results = await runScenarios(server.origin)
    console.log()
    const streams = runStreams(server.origin)
    console.log()
    const decodeRatio = runDecode()
    console.log()
    runImports()
    console.log()
    const size = await runSizes()
    const ratio = (scenario: string, client: string) =>
      results.get(scenario)!.best.get(client)! / results.get(scenario)!.best.get("fetch + JSON.parse")!
    const stream = (mode: StreamMode, total: number) => streams.get(`${mode}:${total}`)!
    const sdk = "@effect-clerk/backend"
    const targets: Array<[string, string, boolean]> = [
      [
        "list 500 ≤ 1.10× floor",
        fixed(ratio("list 500 users ×200", sdk)),
        ratio("list 500 users ×200", sdk) <= 1.1
      ],
      [
        "get user ≤ 1.10× floor",
        fixed(ratio("get user ×2000 (sequential)", sdk)),
        ratio("get user ×2000 (sequential)", sdk) <= 1.1
      ],
      ...["list 500 users ×200", "get user ×2000 (sequential)"].map((scenario): [string, string, boolean] => [
        `${scenario}: faster than @clerk/backend`,
        `${fixed(ratio(scenario, sdk))} vs ${fixed(ratio(scenario, "@clerk/backend"))}`,
        ratio(scenario, sdk) < ratio(scenario, "@clerk/backend")
      ]),
      ["decode 500 users ≤ 0.25× JSON.parse", fixed(decodeRatio), decodeRatio <= 0.25],
      [
        "stream 100k peak RSS ≤ 1.2× 20k",
        fixed(stream("SDK Users.stream", 100_000).peakRssMb / stream("SDK Users.stream", 20_000).peakRssMb),
        stream("SDK Users.stream", 100_000).peakRssMb <= 1.2 * stream("SDK Users.stream", 20_000).peakRssMb
      ],
      [
        "stream 100k throughput ≥ 0.9× list loop",
        fixed(stream("SDK list loop", 100_000).ms / stream("SDK Users.stream", 100_000).ms),
        stream("SDK list loop", 100_000).ms / stream("SDK Users.stream", 100_000).ms >= 0.9
      ],
      ["one operation: SDK share ≤ 12 KB gzip", `${size.share} B`, size.share <= 12 * 1024],
      ["one operation: 1 operation in the bundle", String(size.operations), size.operations === 1]
    ]
    console.log()
    console.log(
      table(
        ["target", "measured", ""],
        targets.map(([name, measured, ok]) => [name, measured, verdict(ok)])
      )
    )
  } finally {
    server.stop()
  }
}

await main()
