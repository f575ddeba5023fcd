import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type Clerk, clerkRows, runCli, startClerk, tempDir, writeJsonl } from "./support.js"

let clerk: Clerk | undefined
afterEach(async () => {
  await clerk?.close()
  clerk = undefined
})

const readJsonl = (path: string) =>
  Fs.readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe("users export", () => {
  it("writes every user in the import format, and resumes a file cut short without writing anyone twice", async () => {
    clerk = await startClerk()
    const c = clerk
    const seeded = await Effect.runPromise(
      Effect.forEach(Array.from({ length: 7 }), (_, i) =>
        c.emulator.seedUser({
          emailAddress: [`e${i}@example.com`],
          firstName: `E${i}`,
          publicMetadata: { n: i }
        })
      )
    )
    const out = Path.join(tempDir(), "users.jsonl")
    const full = await runCli(["users", "export", "--out", out], c.apiUrl)
    expect(full.code).toBe(0)
    expect(full.stdout).toContain("exported 7 users")
    const users = readJsonl(out)
    expect(users.map((user) => user.userId).sort()).toEqual(seeded.map((user) => user.id).sort())
    const e3 = seeded[3]!
    expect(users.find((user) => user.userId === e3.id)).toEqual({
      userId: e3.id,
      email: "e3@example.com",
      firstName: "E3",
      public_metadata: { n: 3 },
      createdAt: new Date(e3.createdAt).toISOString()
    })

    // A run stopped after three users, the last line half written.
    const lines = Fs.readFileSync(out, "utf8").split("\n")
    Fs.writeFileSync(out, `${lines.slice(0, 3).join("\n")}\n${lines[3]!.slice(0, 10)}`)
    const resumed = await runCli(["users", "export", "--out", out], c.apiUrl)
    expect(resumed.stdout).toContain("exported 4 users (3 were already in")
    expect(
      readJsonl(out)
        .map((user) => user.userId)
        .sort()
    ).toEqual(seeded.map((user) => user.id).sort())
  }, 60_000)
})

describe("users diff", () => {
  it("names the rows missing in Clerk and the fields that differ", async () => {
    clerk = await startClerk()
    const c = clerk
    const dir = tempDir()
    const file = Path.join(dir, "users.jsonl")
    const rows = clerkRows(4)
    writeJsonl(file, rows)
    expect((await runCli(["users", "import", file], c.apiUrl)).code).toBe(0)
    const { users } = await Effect.runPromise(c.emulator.snapshot)
    const idOf = (externalId: string) => users.find((user) => user.externalId === externalId)!.id
    await Effect.runPromise(c.emulator.request("PATCH", `users/${idOf("u1")}`, { first_name: "Changed" }))
    await Effect.runPromise(c.emulator.request("DELETE", `users/${idOf("u2")}`))

    const result = await runCli(["users", "diff", file], c.apiUrl)
    expect(result.code).toBe(0)
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
    ).toEqual([
      { line: 2, userId: "u1", status: "differs", fields: ["firstName"] },
      { line: 3, userId: "u2", status: "missing" }
    ])
    expect(result.stderr).toContain("4 rows: 2 as in Clerk, 1 missing, 1 differ")
  }, 60_000)
})
