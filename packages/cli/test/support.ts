/**
 * Real parts for the CLI's tests: the Clerk emulator behind a node:http server
 * that also records every request it answers, a `redis-server` on a free port,
 * and the `effect-clerk` bin run as a child process (through tsx, from source).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { ClerkEmulator } from "@effect-clerk/testing"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

const here = Path.dirname(fileURLToPath(import.meta.url))
export const root = Path.resolve(here, "../../..")

export interface Arrival {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly status: number
  /** `external_id` of a `POST /users` body, or of a `GET /users` lookup. */
  readonly externalId?: string
}

export interface Clerk {
  readonly apiUrl: string
  readonly emulator: ClerkEmulator.Emulator
  readonly arrivals: Array<Arrival>
  readonly close: () => Promise<void>
}

export const startClerk = async (rateLimit?: {
  readonly limit: number
  readonly window: Duration.DurationInput
}): Promise<Clerk> => {
  const emulator = await Effect.runPromise(ClerkEmulator.make(rateLimit === undefined ? {} : { rateLimit }))
  const arrivals: Array<Arrival> = []
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      // The emulator's rate limit reads the clock as it starts handling the request, which is
      // now (a request waits here while its body arrives, on a busy machine for a while).
      const at = Date.now()
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      Effect.runPromise(
        emulator.handle({
          method: req.method ?? "GET",
          url,
          authorization: req.headers.authorization,
          contentType: req.headers["content-type"],
          body
        })
      ).then((response) => {
        const externalId =
          url.pathname !== "/v1/users"
            ? undefined
            : req.method === "POST"
              ? (JSON.parse(body.toString()) as { readonly external_id?: string }).external_id
              : (url.searchParams.get("external_id") ?? undefined)
        arrivals.push({
          at,
          method: req.method ?? "GET",
          path: url.pathname,
          status: response.status,
          ...(externalId !== undefined && { externalId })
        })
        res.writeHead(response.status, response.headers)
        res.end(response.body)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    apiUrl: `http://127.0.0.1:${port}/v1`,
    emulator,
    arrivals,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

/**
 * The emulator's fixed windows, rebuilt from the arrivals: each opens with the
 * first request after the previous one closed, and counts the requests it
 * accepted (a 429 takes no slot).
 */
export const windowFills = (
  arrivals: ReadonlyArray<Arrival>,
  windowMillis: number
): Array<{ readonly opened: number; readonly accepted: number }> => {
  const windows: Array<{ opened: number; accepted: number }> = []
  for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
    const current = windows.at(-1)
    if (current === undefined || arrival.at >= current.opened + windowMillis) {
      windows.push({ opened: arrival.at, accepted: arrival.status === 429 ? 0 : 1 })
    } else if (arrival.status !== 429) current.accepted += 1
  }
  return windows
}

/** 429s of rows that Clerk never answered otherwise afterwards. */
export const unretried429s = (arrivals: ReadonlyArray<Arrival>): Array<Arrival> => {
  const answered = new Set(
    arrivals.filter((a) => a.status !== 429 && a.externalId !== undefined).map((a) => a.externalId)
  )
  return arrivals.filter((a) => a.status === 429 && a.externalId !== undefined && !answered.has(a.externalId))
}

/** Creations the emulator accepted, by external id. */
export const createdPerExternalId = (arrivals: ReadonlyArray<Arrival>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const arrival of arrivals) {
    if (arrival.method === "POST" && arrival.externalId !== undefined && arrival.status === 200) {
      counts.set(arrival.externalId, (counts.get(arrival.externalId) ?? 0) + 1)
    }
  }
  return counts
}

/** Users the emulator holds, by external id. */
export const usersPerExternalId = async (emulator: ClerkEmulator.Emulator): Promise<Map<string, number>> => {
  const { users } = await Effect.runPromise(emulator.snapshot)
  const counts = new Map<string, number>()
  for (const user of users) {
    const id = user.externalId
    if (typeof id === "string") counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

export const redisAvailable = ChildProcess.spawnSync("redis-server", ["--version"]).status === 0

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = Http.createServer()
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

export interface RedisServer {
  readonly url: string
  readonly stop: () => void
}

export const startRedis = async (): Promise<RedisServer> => {
  const port = await freePort()
  const child = ChildProcess.spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve()
    })
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() }
}

export const tempDir = (): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-clerk-cli-"))

const bin = Path.join(root, "packages/cli/dist/bin.js")

/**
 * The tests run the built bin, as users do (`pnpm test` builds first): it starts
 * in a fraction of the time tsx needs to compile the sources in every process.
 * A build older than the sources would test old code, so that fails instead.
 */
const assertBuilt = () => {
  const newest = (dir: string): number =>
    Math.max(
      ...Fs.readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory()
          ? newest(Path.join(dir, entry.name))
          : Fs.statSync(Path.join(dir, entry.name)).mtimeMs
      )
    )
  for (const pkg of ["cli", "backend"]) {
    // tsc -b rewrites a project's build info on every build of it, not every output file.
    const info = Path.join(root, "packages", pkg, "dist/.tsbuildinfo")
    const built = Fs.existsSync(info) ? Fs.statSync(info).mtimeMs : 0
    if (built < newest(Path.join(root, "packages", pkg, "src"))) {
      throw new Error(`packages/${pkg}/dist is missing or older than its sources: run \`pnpm build\` first`)
    }
  }
}

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Running {
  readonly child: ChildProcess.ChildProcess
  /** Its output is read all along, so a chatty process never blocks on a full pipe. */
  readonly done: Promise<Finished>
}

/** The built bin as a child process. */
export const spawnCli = (args: ReadonlyArray<string>, apiUrl: string): Running => {
  assertBuilt()
  const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, CLERK_SECRET_KEY: "sk_test_cli", CLERK_API_URL: apiUrl, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const done = new Promise<Finished>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, done }
}

export const runCli = (args: ReadonlyArray<string>, apiUrl = "http://127.0.0.1:9/v1"): Promise<Finished> =>
  spawnCli(args, apiUrl).done

/** Rows of Clerk's migration format, `userId` u0…u(n-1). */
export const clerkRows = (n: number, prefix = "u") =>
  Array.from({ length: n }, (_, i) => ({
    userId: `${prefix}${i}`,
    email: `${prefix}${i}@example.com`,
    firstName: `First${i}`,
    public_metadata: { plan: i % 2 === 0 ? "free" : "pro" }
  }))

export const writeJsonl = (path: string, rows: ReadonlyArray<unknown>) =>
  Fs.writeFileSync(path, rows.map((row) => `${JSON.stringify(row)}\n`).join(""))
