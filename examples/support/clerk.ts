/**
 * Where the examples send their requests. With `CLERK_SECRET_KEY` set (and
 * optionally `CLERK_API_URL`), Clerk's API through `ClerkClient.layerConfig`;
 * without it (or with it empty), the in-memory Clerk emulator from
 * `@effect-clerk/testing`, served on a loopback port, so every example runs on a
 * fresh machine with no network and no account.
 */
import { ClerkClient } from "@effect-clerk/backend"
import { UndiciHttpClient } from "@effect-clerk/backend/node"
import { ClerkEmulator } from "@effect-clerk/testing"
import type { HttpClient } from "@effect/platform"
import { Config, type ConfigError, Console, Effect, Layer, Redacted } from "effect"

type Target = Layer.Layer<
  ClerkClient.ClerkClient,
  ClerkClient.InvalidClientOptions | ConfigError.ConfigError | ClerkEmulator.ServeError,
  HttpClient.HttpClient
>

const againstEmulator: Target = Layer.unwrapScoped(
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const server = yield* ClerkEmulator.serve()
    yield* Console.log(`No CLERK_SECRET_KEY: using the Clerk emulator on ${server.apiUrl}`)
    return ClerkClient.layer({ secretKey: Redacted.make(emulator.secretKey), apiUrl: server.apiUrl })
  })
).pipe(Layer.provide(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make())))

const againstClerk: Target = Layer.unwrapEffect(
  Console.log("Using Clerk's API with CLERK_SECRET_KEY").pipe(Effect.as(ClerkClient.layerConfig))
)

/**
 * `ClerkClient` over the SDK's undici transport (`UndiciHttpClient`), pointed at Clerk or at the emulator.
 */
export const ClerkLive = Layer.unwrapEffect(
  Effect.map(Config.string("CLERK_SECRET_KEY").pipe(Config.withDefault("")), (secretKey) =>
    secretKey.trim() === "" ? againstEmulator : againstClerk
  )
).pipe(Layer.provide(UndiciHttpClient.layer))

/** A suffix that keeps the examples' email addresses unique across runs against a real instance. */
export const runId = Date.now().toString(36)
