/**
 * One streaming run in a process of its own, so its peak RSS is its own:
 * `tsx src/streamChild.ts <mode> <total> <origin>` prints `{ ms, items, peakRssMb }`.
 */
import { Users } from "@effect-clerk/backend"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { sdkRuntime, secretKey } from "./clients.js"

export const streamModes = ["fetch page loop", "SDK list loop", "SDK Users.stream"] as const
export type StreamMode = (typeof streamModes)[number]

const pageSize = 500

const fetchLoop = async (apiUrl: string) => {
  let items = 0
  for (let offset = 0; ; offset += pageSize) {
    const response = await fetch(`${apiUrl}/users?limit=${pageSize}&offset=${offset}`, {
      headers: { authorization: `Bearer ${secretKey}` }
    })
    const page = JSON.parse(await response.text()) as ReadonlyArray<unknown>
    items += page.length
    if (page.length < pageSize) return items
  }
}

/** What a user writes without `stream`: one page at a time, nothing fetched ahead. */
const listLoop = Effect.gen(function* () {
  let items = 0
  for (let offset = 0; ; offset += pageSize) {
    const page = yield* Users.list({ limit: pageSize, offset })
    items += page.length
    if (page.length < pageSize) return items
  }
})

const stream = Stream.runFold(Users.stream(), 0, (n) => n + 1)

export const runStream = async (mode: StreamMode, apiUrl: string): Promise<number> => {
  if (mode === "fetch page loop") return fetchLoop(apiUrl)
  const runtime = sdkRuntime(apiUrl)
  try {
    return await runtime.runPromise(mode === "SDK list loop" ? listLoop : stream)
  } finally {
    await runtime.dispose()
  }
}

if (process.argv[1]?.endsWith("streamChild.ts")) {
  const [mode, total, origin] = process.argv.slice(2) as [StreamMode, string, string]
  const start = performance.now()
  const items = await runStream(mode, `${origin}/t/${total}/v1`)
  const ms = performance.now() - start
  if (items !== Number(total)) throw new Error(`${mode}: ${items} items, expected ${total}`)
  process.stdout.write(JSON.stringify({ ms, items, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
}
