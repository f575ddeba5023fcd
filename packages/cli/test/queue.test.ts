import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  type Clerk,
  clerkRows,
  createdPerExternalId,
  type RedisServer,
  type Running,
  redisAvailable,
  runCli,
  spawnCli,
  startClerk,
  startRedis,
  tempDir,
  unretried429s,
  usersPerExternalId,
  windowFills,
  writeJsonl
} from "./support.js"

if (!redisAvailable) {
  console.warn(
    "queue.test.ts: redis-server not found, skipping the queue tests (apt-get install redis-server)"
  )
}

const limit = 30
const window = 2000

describe("users import --queue with effect-clerk worker processes", () => {
  it.runIf(!redisAvailable && process.env.CI !== undefined)("redis-server is installed in CI", () => {
    throw new Error("redis-server is missing: CI must install it (apt-get install -y redis-server)")
  })

  let redis: RedisServer | undefined
  let clerk: Clerk | undefined
  const workers: Array<Running> = []

  beforeAll(async () => {
    if (!redisAvailable) return
    redis = await startRedis()
    // Clerk's fixed windows, scaled down to 30 per 2 s so a busy machine keeps up: the
    // budget, not the machine, must be what paces the workers.
    clerk = await startClerk({ limit, window: `${window} millis` })
  })

  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGTERM")
    await Promise.all(workers.map((worker) => worker.done))
    redis?.stop()
    await clerk?.close()
  })

  it.runIf(redisAvailable)(
    "3 workers, one SIGKILLed after three windows: every row ends exactly once, they use 90% of the budget, and a second run creates nothing",
    async () => {
      const c = clerk!
      const url = redis!.url
      const rows = 6 * limit
      const dir = tempDir()
      const file = Path.join(dir, "users.jsonl")
      writeJsonl(file, clerkRows(rows))
      const budget = ["--rate-limit", String(limit), "--rate-window", String(window / 1000)]
      const worker = () => {
        const running = spawnCli(
          ["worker", "--queue", url, "--job", "t1", "--lock-expiration", "2", ...budget],
          c.apiUrl
        )
        workers.push(running)
        return running
      }
      const [victim] = [worker(), worker(), worker()]
      const importer = spawnCli(
        ["users", "import", file, "--queue", url, "--job", "t1", "--progress-interval", "1"],
        c.apiUrl
      ).done
      // Killed once three windows have closed (about half the rows, as 180 rows need six
      // windows): chosen by windows rather than by rows, so the windows checked below exist
      // however fast or slow the first window filled.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          const now = Date.now()
          if (windowFills(c.arrivals, window).filter((w) => w.opened + window <= now).length >= 3) {
            clearInterval(poll)
            resolve()
          }
        }, 10)
      })
      const killedAt = Date.now()
      victim!.child.kill("SIGKILL")
      expect((await victim!.done).signal).toBe("SIGKILL")

      const result = await importer
      expect(result.code).toBe(0)
      const summary = /created (\d+), skipped (\d+), failed (\d+)/.exec(result.stdout)
      expect(summary).not.toBeNull()
      const [, created, skipped, failed] = summary!.map(Number)
      expect(failed).toBe(0)
      expect(created! + skipped!).toBe(rows)

      // Exactly one user per row in Clerk, and no row was accepted twice.
      const users = await usersPerExternalId(c.emulator)
      expect(users.size).toBe(rows)
      expect([...users.values()].filter((count) => count !== 1)).toEqual([])
      const accepted = createdPerExternalId(c.arrivals)
      expect(accepted.size).toBe(rows)
      expect([...accepted.values()].filter((count) => count !== 1)).toEqual([])

      // The workers used at least 90% of the budget of the windows that closed before the
      // kill, but the first (which opens as the rows arrive on the queue), taken together:
      // the workers send at exactly the budget's pace, so a request a descheduled process
      // sends late lands in the next window, which the paced requests already fill, and a
      // single window on a loaded machine falls short by it. Every 429 was retried.
      const fills = windowFills(c.arrivals, window)
        .filter((w) => w.opened + window <= killedAt)
        .slice(1)
        .map((w) => w.accepted)
      expect(fills.length).toBeGreaterThanOrEqual(2)
      expect(fills.reduce((sum, fill) => sum + fill, 0)).toBeGreaterThanOrEqual(0.9 * limit * fills.length)
      expect(unretried429s(c.arrivals)).toEqual([])

      const postsBefore = c.arrivals.filter((arrival) => arrival.method === "POST").length
      const again = await runCli(["users", "import", file, "--queue", url, "--job", "t1"], c.apiUrl)
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`created 0, skipped 0, failed 0 (${rows} rows done by an earlier run)`)
      expect(c.arrivals.filter((arrival) => arrival.method === "POST").length).toBe(postsBefore)
    },
    120_000
  )
})
