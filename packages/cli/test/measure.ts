/**
 * The figures at full size, too slow for the test suite (which runs the
 * same scenarios on a few hundred rows): 10,000 users against the emulator
 * limited like a production instance (1,000 requests per 10 s).
 *
 *   A. 3 workers on Redis, one SIGKILLed halfway; then the same import again.
 *   B. One process killed halfway, then resumed.
 *   C. One process, uninterrupted: the share of the budget used.
 *   D. 3 workers on Redis, uninterrupted: the share of the budget used.
 *
 * Usage (after `pnpm build`):
 *   [SCENARIOS=ABC] [LIMIT=1000] [WINDOW=10] node --conditions=@effect-clerk/source --import tsx packages/cli/test/measure.ts [rows]
 */
import * as Path from "node:path"
import {
  type Arrival,
  type Clerk,
  clerkRows,
  createdPerExternalId,
  type Running,
  spawnCli,
  startClerk,
  startRedis,
  tempDir,
  unretried429s,
  usersPerExternalId,
  windowFills,
  writeJsonl
} from "./support.js"

const rows = Number(process.argv[2] ?? 10_000)
const limit = Number(process.env.LIMIT ?? 1000)
const windowSeconds = Number(process.env.WINDOW ?? 10)
const budget = ["--rate-limit", String(limit), "--rate-window", String(windowSeconds)]

const waitFor = (done: () => boolean) =>
  new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (done()) {
        clearInterval(poll)
        resolve()
      }
    }, 250)
  })

/**
 * The budget's share used: requests each of the emulator's windows accepted
 * against the limit (every window but the last, which only holds what was
 * left), and over the whole run, against the windows its length spans.
 */
const usage = (arrivals: ReadonlyArray<Arrival>) => {
  const fills = windowFills(arrivals, windowSeconds * 1000).map((w) => w.accepted)
  const full = fills.slice(0, -1)
  const accepted = arrivals.filter((arrival) => arrival.status !== 429).length
  const first = Math.min(...arrivals.map((arrival) => arrival.at))
  const last = Math.max(...arrivals.map((arrival) => arrival.at))
  const spanned = (last - first) / (windowSeconds * 1000)
  return {
    requests: arrivals.length,
    accepted,
    rejected429: arrivals.length - accepted,
    seconds: ((last - first) / 1000).toFixed(1),
    acceptedPerSecond: (accepted / ((last - first) / 1000)).toFixed(1),
    windows: fills.length,
    minWindowFillPercent: ((Math.min(...full) / limit) * 100).toFixed(1),
    meanWindowFillPercent: ((full.reduce((a, b) => a + b, 0) / full.length / limit) * 100).toFixed(1),
    budgetOverRunPercent: ((accepted / (Math.ceil(spanned) * limit)) * 100).toFixed(1)
  }
}

const exactlyOnce = async (clerk: Clerk) => {
  const users = await usersPerExternalId(clerk.emulator)
  const accepted = createdPerExternalId(clerk.arrivals)
  return {
    rowsInClerk: users.size,
    rowsWithMoreThanOneUser: [...users.values()].filter((count) => count > 1).length,
    rowsCreatedMoreThanOnce: [...accepted.values()].filter((count) => count > 1).length
  }
}

const summaryOf = (stdout: string) => /created \d+, skipped \d+, failed \d+.*/.exec(stdout)?.[0]

const scenarioA = async () => {
  const redis = await startRedis()
  const clerk = await startClerk({ limit, window: `${windowSeconds} seconds` })
  const file = Path.join(tempDir(), "users.jsonl")
  writeJsonl(file, clerkRows(rows, "a"))
  const workers: Array<Running> = [1, 2, 3].map(() =>
    spawnCli(
      ["worker", "--queue", redis.url, "--job", "a", "--lock-expiration", "5", ...budget],
      clerk.apiUrl
    )
  )
  const importer = spawnCli(["users", "import", file, "--queue", redis.url, "--job", "a"], clerk.apiUrl)
  await waitFor(() => clerk.arrivals.length >= rows / 2)
  console.error("A: killing a worker at", clerk.arrivals.length, "requests")
  workers[0]!.child.kill("SIGKILL")
  const result = await importer.done
  console.error("A: import done", result.code, result.stderr.slice(-300))
  const first = { summary: summaryOf(result.stdout), ...(await exactlyOnce(clerk)), ...usage(clerk.arrivals) }
  const before = clerk.arrivals.filter((arrival) => arrival.method === "POST").length
  const again = await spawnCli(["users", "import", file, "--queue", redis.url, "--job", "a"], clerk.apiUrl)
    .done
  const second = {
    summary: summaryOf(again.stdout),
    postsSent: clerk.arrivals.filter((arrival) => arrival.method === "POST").length - before
  }
  for (const worker of workers.slice(1)) worker.child.kill("SIGTERM")
  await Promise.all(workers.map((worker) => worker.done))
  redis.stop()
  await clerk.close()
  return { first, unretried429: unretried429s(clerk.arrivals).length, second }
}

const scenarioB = async () => {
  const clerk = await startClerk({ limit, window: `${windowSeconds} seconds` })
  const file = Path.join(tempDir(), "users.jsonl")
  writeJsonl(file, clerkRows(rows, "b"))
  const args = ["users", "import", file, ...budget]
  const run = spawnCli(args, clerk.apiUrl)
  await waitFor(() => clerk.arrivals.length >= rows / 2)
  run.child.kill("SIGKILL")
  await run.done
  const atKill = createdPerExternalId(clerk.arrivals).size
  const resumed = await spawnCli(args, clerk.apiUrl).done
  const sends = new Map<string, number>()
  for (const arrival of clerk.arrivals) {
    if (arrival.method === "POST" && arrival.externalId !== undefined && arrival.status !== 429) {
      sends.set(arrival.externalId, (sends.get(arrival.externalId) ?? 0) + 1)
    }
  }
  await clerk.close()
  return {
    createdBeforeKill: atKill,
    resumed: summaryOf(resumed.stdout),
    rowsSent: sends.size,
    rowsSentMoreThanOnce: [...sends.values()].filter((count) => count > 1).length,
    ...(await exactlyOnce(clerk))
  }
}

const scenarioC = async () => {
  const clerk = await startClerk({ limit, window: `${windowSeconds} seconds` })
  const file = Path.join(tempDir(), "users.jsonl")
  writeJsonl(file, clerkRows(rows, "c"))
  const result = await spawnCli(["users", "import", file, ...budget], clerk.apiUrl).done
  await clerk.close()
  return {
    summary: summaryOf(result.stdout),
    ...usage(clerk.arrivals),
    unretried429: unretried429s(clerk.arrivals).length
  }
}

const scenarioD = async () => {
  const redis = await startRedis()
  const clerk = await startClerk({ limit, window: `${windowSeconds} seconds` })
  const file = Path.join(tempDir(), "users.jsonl")
  writeJsonl(file, clerkRows(rows, "d"))
  const workers: Array<Running> = [1, 2, 3].map(() =>
    spawnCli(["worker", "--queue", redis.url, "--job", "d", ...budget], clerk.apiUrl)
  )
  const result = await spawnCli(["users", "import", file, "--queue", redis.url, "--job", "d"], clerk.apiUrl)
    .done
  for (const worker of workers) worker.child.kill("SIGTERM")
  await Promise.all(workers.map((worker) => worker.done))
  redis.stop()
  await clerk.close()
  return {
    summary: summaryOf(result.stdout),
    ...usage(clerk.arrivals),
    unretried429: unretried429s(clerk.arrivals).length
  }
}

const only = process.env.SCENARIOS ?? "ABCD"
for (const [name, scenario] of [
  ["A", scenarioA],
  ["B", scenarioB],
  ["C", scenarioC],
  ["D", scenarioD]
] as const) {
  if (!only.includes(name)) continue
  const started = Date.now()
  const figures = await scenario()
  console.log(
    name,
    JSON.stringify({ rows, ...figures, wallSeconds: ((Date.now() - started) / 1000).toFixed(1) })
  )
}
