import * as Fs from "node:fs"
import * as Path from "node:path"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Cli from "../src/Cli.js"
import { tempDir } from "./support.js"

/** Runs the command line in this process against a Clerk that nothing listens on. */
const run = (args: ReadonlyArray<string>) =>
  Cli.run(["node", "effect-clerk", ...args]).pipe(
    Effect.either,
    Effect.withConfigProvider(
      ConfigProvider.fromMap(
        new Map([
          ["CLERK_SECRET_KEY", "sk_test_cli"],
          ["CLERK_API_URL", "http://127.0.0.1:9/v1"]
        ])
      )
    ),
    Effect.provide(NodeContext.layer)
  )

/** What @effect/cli prints for a refused command line, or undefined if it was not refused. */
const refusal = (result: Either.Either<void, unknown>): string | undefined =>
  Either.isLeft(result) && ValidationError.isValidationError(result.left) && "error" in result.left
    ? HelpDoc.toAnsiText(result.left.error)
    : undefined

const emptyFile = () => {
  const file = Path.join(tempDir(), "users.jsonl")
  Fs.writeFileSync(file, "")
  return file
}

describe("command line options", () => {
  it.effect.each([
    ["--concurrency", "0", "whole number above 0"],
    ["--concurrency", "-3", "whole number above 0"],
    ["--concurrency", "2.5", "not a integer"],
    ["--rate-limit", "0", "whole number above 0"],
    ["--rate-window", "0", "above 0"],
    ["--rate-window", "-10", "above 0"],
    ["--progress-interval", "0", "above 0"]
  ])("users import refuses %s %s before anything runs, saying why", ([option, value, why]) =>
    Effect.gen(function* () {
      const said = refusal(yield* run(["users", "import", emptyFile(), option!, value!]))
      expect(said).toContain(why)
      if (why !== "not a integer") expect(said).toContain(option)
    })
  )

  it.effect("worker refuses a zero lock expiration", () =>
    Effect.gen(function* () {
      const result = yield* run(["worker", "--queue", "redis://127.0.0.1:9", "--lock-expiration", "0"])
      expect(refusal(result)).toContain("--lock-expiration must be a number of seconds above 0")
    })
  )

  it.effect("accepts positive values: an empty file imports nothing and succeeds", () =>
    Effect.gen(function* () {
      const result = yield* run([
        "users",
        "import",
        emptyFile(),
        "--concurrency",
        "2",
        "--rate-limit",
        "5",
        "--rate-window",
        "0.5",
        "--progress-interval",
        "1"
      ])
      expect(result).toEqual(Either.right(undefined))
    })
  )
})
