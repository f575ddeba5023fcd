/**
 * examples/http-server.ts runs as a reader would start it and answers each
 * caller as its routes' rules say.
 */
import { fileURLToPath } from "node:url"
import * as Command from "@effect/platform/Command"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.mkString)

describe("examples/http-server.ts", () => {
  it.live(
    "guards /invoices by a custom role's permission and DELETE /invoices by role",
    () =>
      Effect.gen(function* () {
        const command = Command.make(
          `${repoRoot}node_modules/.bin/tsx`,
          "--conditions=@effect-clerk/source",
          "examples/http-server.ts"
        ).pipe(Command.workingDirectory(repoRoot), Command.env({ CLERK_SECRET_KEY: "", CLERK_API_URL: "" }))
        const process = yield* Command.start(command)
        const [stdout, stderr, exitCode] = yield* Effect.all(
          [collect(process.stdout), collect(process.stderr), process.exitCode],
          { concurrency: "unbounded" }
        )
        expect(stderr).toBe("")
        expect(exitCode).toBe(0)
        const lines = stdout.split("\n").filter((line) => /^\w+: /.test(line))
        expect(lines.map((line) => line.replace(/\s+/g, " ").replace(/ [{[].*$/, ""))).toEqual([
          "ada: GET /me 200",
          "ada: GET /invoices 403",
          "ada: DELETE /invoices 204",
          "grace: GET /me 200",
          "grace: GET /invoices 200",
          "grace: DELETE /invoices 403",
          "nobody: GET /me 401",
          "nobody: GET /invoices 401",
          "nobody: DELETE /invoices 401"
        ])
        expect(stdout).toMatch(/ada: +GET \/me +200 \{"userId":"user_\w+","orgRole":"org:admin"\}/)
        expect(stdout).toMatch(/grace: +GET \/invoices +200 \["inv_1","inv_2"\]/)
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)),
    // Starting tsx on a busy machine takes a while; the program itself runs in about a second.
    120_000
  )
})
