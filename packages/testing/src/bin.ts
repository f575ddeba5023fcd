#!/usr/bin/env node
/**
 * `npx @effect-clerk/testing serve --port 4000`: the emulator as a standalone server.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { cli } from "./internal/cli.js"

cli(process.argv).pipe(
  // @effect/cli has already printed what was wrong with the command line.
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    })
  ),
  Effect.catchAll((error) =>
    Effect.sync(() => {
      process.stderr.write(`clerk-emulator: ${error.message}\n`)
      process.exitCode = 1
    })
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
