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
  usersPerExternalId,
  writeJsonl
} from "./support.js"

if (!redisAvailable) {
  console.warn(
    "queue.test.ts: redis-server not found, skipping the queue tests (apt-get install redis-server)"
  )
}

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
    // The budget is scaled up from Clerk's 1,000 per 10 s so the test stays short.
    clerk = await startClerk({ limit: 250, window: "1 second" })
  })

  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGTERM")
    await Promise.all(workers.map((worker) => worker.done))
    redis?.stop()
    await clerk?.close()
  })

  it.runIf(redisAvailable)(
    "3 workers, one SIGKILLed halfway: every row ends exactly once, and a second run creates nothing",
    async () => {
      const c = clerk!
      const url = redis!.url
      const rows = 600
      const dir = tempDir()
      const file = Path.join(dir, "users.jsonl")
      writeJsonl(file, clerkRows(rows))
      const budget = ["--rate-limit", "250", "--rate-window", "1"]
      const worker = () => {
        const running = spawnCli(
          [
            "worker",
            "--queue",
            url,
            "--job",
            "t1",
            "--concurrency",
            "8",
            "--lock-expiration",
            "2",
            ...budget
          ],
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
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (createdPerExternalId(c.arrivals).size >= rows / 2) {
            clearInterval(poll)
            resolve()
          }
        }, 10)
      })
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

      const postsBefore = c.arrivals.filter((arrival) => arrival.method === "POST").length
      const again = await runCli(["users", "import", file, "--queue", url, "--job", "t1"], c.apiUrl)
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`created 0, skipped 0, failed 0 (${rows} rows done by an earlier run)`)
      expect(c.arrivals.filter((arrival) => arrival.method === "POST").length).toBe(postsBefore)
    },
    120_000
  )
})
