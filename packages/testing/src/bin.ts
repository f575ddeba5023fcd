#!/usr/bin/env node
/**
 * `npx @effect-clerk/testing serve --port 4000`: the emulator as a standalone server.
 *
 * @since 0.1.0
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { cli } from "./internal/cli.js"

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
