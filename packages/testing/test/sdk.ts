import { NodeHttpClient } from "@effect/platform-node"
import { ClerkClient, SDKError } from "@effect-clerk/backend"
import * as UndiciHttpClient from "@effect-clerk/backend/UndiciHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { ClerkEmulator } from "@effect-clerk/testing"
import { type Vitest, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

// The SDK's public API against the emulator, once in process (`ClerkEmulator.layer`)
// and over HTTP (`ClerkEmulator.serve`) with the platform's undici client and with ours.

export type SdkServices = ClerkClient.ClerkClient | ClerkEmulator.ClerkEmulator

/** Any SDK call, for lists of calls expected to fail alike. */
export type AnyCall = Effect.Effect<unknown, unknown, ClerkClient.ClerkClient>

export interface SdkOptions {
  /** How the emulator is made: `secretKey` makes it refuse any other key. */
  readonly emulator?: ClerkEmulator.Options
  /** The key the SDK sends; defaults to the emulator's own. */
  readonly clientKey?: string
}

const clientKey = (options: SdkOptions) =>
  Redacted.make(options.clientKey ?? options.emulator?.secretKey ?? "sk_test_sdk_scenarios")

const viaLayer = (options: SdkOptions): Layer.Layer<SdkServices> =>
  ClerkClient.layer({ secretKey: clientKey(options) }).pipe(
    Layer.provideMerge(ClerkEmulator.layerWith(options.emulator ?? {})),
    Layer.orDie
  )

const viaServer =
  (transport: Layer.Layer<HttpClient.HttpClient>) =>
  (options: SdkOptions): Layer.Layer<SdkServices> =>
    Layer.unwrapScoped(
      Effect.map(ClerkEmulator.serve(), ({ apiUrl }) =>
        ClerkClient.layer({ secretKey: clientKey(options), apiUrl })
      )
    ).pipe(
      Layer.provide(transport),
      Layer.provideMerge(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make(options.emulator))),
      Layer.orDie
    )

const transports = [
  { name: "ClerkEmulator.layer", make: viaLayer },
  { name: "ClerkEmulator.serve", make: viaServer(NodeHttpClient.layerUndici) },
  { name: "ClerkEmulator.serve + UndiciHttpClient", make: viaServer(UndiciHttpClient.layer) }
] as const

/**
 * Declares the tests once per transport, the tests of each sharing one emulator
 * (every emulator generates an RSA key, so one per test would be slow): they must
 * not depend on each other's data.
 */
export const sharedEmulator = (
  name: string,
  tests: (it: Vitest.MethodsNonLive<SdkServices>) => void,
  options: SdkOptions = {}
): void => {
  for (const transport of transports) layer(transport.make(options))(`${name} (${transport.name})`, tests)
}

/** Declares the tests once per transport, each test with a fresh emulator: for whole-collection behaviour. */
export const freshEmulator = (
  name: string,
  tests: (test: <E>(title: string, body: () => Effect.Effect<void, E, SdkServices>) => void) => void
): void => {
  for (const transport of transports)
    describe(`${name} (${transport.name})`, () =>
      tests((title, body) => it.effect(title, () => Effect.provide(body(), transport.make({})))))
}

/**
 * The status and parsed body of an `SDKError`, which is how the SDK reports a status
 * without a tagged Clerk error (the emulator's 501).
 */
export const undeclaredStatus = (error: unknown) =>
  error instanceof SDKError
    ? { status: error.status, body: JSON.parse(error.body) }
    : { notAnSDKError: error }
