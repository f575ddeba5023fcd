/**
 * Every example runs as its own program, the way a reader would start it, with no
 * CLERK_SECRET_KEY: it must fall back to the emulator and exit 0 without the network.
 */
import { join } from "node:path"
import * as Command from "@effect/platform/Command"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { repoRoot } from "../packages/codegen/src/generate.js"

const tsx = join(repoRoot, "node_modules/.bin/tsx")

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.mkString)

const runExample = (file: string) =>
  Effect.gen(function* () {
    const command = Command.make(tsx, "--conditions=@effect-clerk/source", join("examples", file)).pipe(
      Command.workingDirectory(repoRoot),
      // The parent's environment is inherited; an empty key counts as none.
      Command.env({ CLERK_SECRET_KEY: "", CLERK_API_URL: "" })
    )
    const process = yield* Command.start(command)
    const [stdout, stderr, exitCode] = yield* Effect.all(
      [collect(process.stdout), collect(process.stderr), process.exitCode],
      { concurrency: "unbounded" }
    )
    return { stdout, stderr, exitCode }
  }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))

const expectSuccess = (run: { stdout: string; stderr: string; exitCode: number }) => {
  expect(run.stderr).toBe("")
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toContain("using the Clerk emulator on http://127.0.0.1:")
}

describe.concurrent("examples", () => {
  it.live("users-crud.ts creates, reads, updates and deletes a user", () =>
    Effect.gen(function* () {
      const run = yield* runExample("users-crud.ts")
      expectSuccess(run)
      expect(run.stdout).toMatch(/updated +user_\w+ +Augusta Ada King/)
      expect(run.stdout).toMatch(/verified user_\w+ is gone/)
    })
  )

  it.live("list-and-stream.ts lists one page and streams them all", () =>
    Effect.gen(function* () {
      const run = yield* runExample("list-and-stream.ts")
      expectSuccess(run)
      expect(run.stdout).toContain("first page (limit 2): katherine, grace")
      expect(run.stdout).toContain("streamed 3 of the 3 users in pages of 2")
    })
  )

  it.live("catch-not-found.ts recovers from ClerkNotFound by its tag", () =>
    Effect.gen(function* () {
      const run = yield* runExample("catch-not-found.ts")
      expectSuccess(run)
      expect(run.stdout).toContain("not found: resource_not_found")
      expect(run.stdout).toContain("no such user: carrying on without one")
    })
  )

  it.live("upload-profile-image.ts uploads a profile image", () =>
    Effect.gen(function* () {
      const run = yield* runExample("upload-profile-image.ts")
      expectSuccess(run)
      expect(run.stdout).toContain("has image: false")
      expect(run.stdout).toMatch(
        /uploaded 70 bytes: has image true, image url https:\/\/img\.clerk\.emulator\.local\/img_\w+/
      )
    })
  )
})
