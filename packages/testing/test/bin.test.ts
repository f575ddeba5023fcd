import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { NodeContext } from "@effect/platform-node"
import { ClerkEmulator } from "@effect-clerk/testing"
import { Duration, Effect, Schedule } from "effect"
import { cli } from "../src/internal/cli.js"
import { repoRoot } from "./spec.js"

// The `serve` bin as a user starts it: a separate process on a free port.

const bin = resolve(repoRoot, "packages/testing/src/bin.ts")

const start = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", "--conditions=@effect-clerk/source", bin, ...args], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => child.kill())
  )

/** Everything the process printed once `done` says so, or once it exits. */
const output = (child: ReturnType<typeof spawn>, done: (text: string) => boolean) =>
  Effect.async<{ readonly text: string; readonly exitCode: number | null }>((resume) => {
    let text = ""
    const onData = (chunk: Buffer) => {
      text += chunk.toString()
      if (done(text)) resume(Effect.succeed({ text, exitCode: null }))
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.once("exit", (exitCode) => resume(Effect.succeed({ text, exitCode })))
  }).pipe(Effect.timeout(Duration.seconds(60)), Effect.orDie)

describe("clerk-emulator serve", () => {
  it.scopedLive(
    "prints the SDK's apiUrl and @clerk/backend's origin, and serves on both",
    () =>
      Effect.gen(function* () {
        const stateFile = join(mkdtempSync(join(tmpdir(), "clerk-emulator-bin-")), "state.json")
        const child = yield* start([
          "serve",
          "--port",
          "0",
          "--secret-key",
          "sk_test_bin",
          "--webhook",
          "http://127.0.0.1:9/hooks",
          "--state-file",
          stateFile
        ])
        const { text } = yield* output(child, (t) => t.includes("webhook:"))
        expect(text).toMatch(/webhook: +http:\/\/127\.0\.0\.1:9\/hooks \(signing secret whsec_/)
        const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1]
        expect(origin).toBeDefined()
        expect(text).toContain(`apiUrl: "${origin}/v1"`)
        expect(text).toContain(`createClerkClient({ apiUrl: "${origin}"`)
        expect(text).toContain("sk_test_bin")
        const statuses = yield* Effect.promise(() =>
          Promise.all(
            [
              [`${origin}/v1/users`, "sk_test_bin"],
              [`${origin}/v1/users`, "sk_test_wrong"]
            ].map(([url, key]) =>
              fetch(url ?? "", { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)
            )
          )
        )
        expect(statuses).toEqual([200, 401])
        // A change reaches the state file.
        const created = yield* Effect.promise(() =>
          fetch(`${origin}/v1/users`, {
            method: "POST",
            headers: { authorization: "Bearer sk_test_bin", "content-type": "application/json" },
            body: JSON.stringify({ external_id: "kept" })
          }).then((r) => r.status)
        )
        expect(created).toBe(200)
        yield* Effect.sync(
          () => existsSync(stateFile) && readFileSync(stateFile, "utf8").includes('"kept"')
        ).pipe(
          Effect.repeat({ until: (saved) => saved, schedule: Schedule.spaced("50 millis") }),
          Effect.timeout("10 seconds")
        )
      }),
    90_000
  )

  const serveWithWindow = (window: string) =>
    Effect.flip(
      cli([
        "node",
        "clerk-emulator",
        "serve",
        "--port",
        "0",
        "--rate-limit",
        "5",
        "--rate-window",
        window
      ]).pipe(Effect.provide(NodeContext.layer))
    )

  it.effect("a --rate-window that is not a duration is refused by the command line", () =>
    Effect.gen(function* () {
      const error = yield* serveWithWindow("soon")
      expect(ValidationError.isValidationError(error)).toBe(true)
      expect(
        ValidationError.isValidationError(error) && "error" in error ? HelpDoc.toAnsiText(error.error) : ""
      ).toContain("--rate-window must be a duration")
    })
  )

  it.effect("a --rate-window the emulator cannot use fails with its reason", () =>
    Effect.gen(function* () {
      const error = yield* serveWithWindow("0 seconds")
      expect(error).toBeInstanceOf(ClerkEmulator.InvalidOptionsError)
      expect(String(error)).toContain("rateLimit.window must be")
    })
  )

  it.effect("a port it cannot listen on fails with the reason", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        cli(["node", "clerk-emulator", "serve", "--port", "70000"]).pipe(Effect.provide(NodeContext.layer))
      )
      expect(error).toBeInstanceOf(ClerkEmulator.ServeError)
      expect(String(error)).toMatch(/the emulator could not listen: .*70000/)
    })
  )
})
