import { Command, Options } from "@effect/cli"
import { Console, Duration, Effect, Option } from "effect"
import { ClerkEmulator, layerWith, serve } from "../ClerkEmulator.js"

const port = Options.integer("port").pipe(
  Options.withDescription("The port to listen on; 0 picks a free one."),
  Options.withDefault(4000)
)
const hostname = Options.text("hostname").pipe(
  Options.withDescription("The address to listen on."),
  Options.withDefault("127.0.0.1")
)
const secretKey = Options.text("secret-key").pipe(
  Options.withDescription("Accept only this secret key (any Bearer token is accepted without it)."),
  Options.optional
)
const rateLimit = Options.integer("rate-limit").pipe(
  Options.withDescription(
    "Answer 429 over this many requests per --rate-window, as Clerk limits an instance."
  ),
  Options.optional
)
// Only parsed here: whether the window is usable is the emulator's rule (InvalidOptionsError).
const rateWindow = Options.text("rate-window").pipe(
  Options.filterMap(Duration.decodeUnknown, "--rate-window must be a duration such as '10 seconds'"),
  Options.withDescription("The window of --rate-limit, e.g. '10 seconds'."),
  Options.withDefault(Duration.seconds(10))
)

const stateFile = Options.file("state-file").pipe(
  Options.withDescription(
    "Keep the emulator's state in this file, so a restart carries on where it stopped."
  ),
  Options.optional
)

const webhook = Options.text("webhook").pipe(
  Options.withDescription("POST webhook events to this URL, Svix-signed (repeatable)."),
  Options.repeated
)

const serveCommand = Command.make(
  "serve",
  { port, hostname, secretKey, rateLimit, rateWindow, stateFile, webhook },
  (options) =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator
      const address = yield* serve({ port: options.port, hostname: options.hostname })
      const endpoints = yield* Effect.forEach(options.webhook, (url) => emulator.addWebhookEndpoint(url))
      yield* Console.log(
        [
          `Clerk emulator listening on ${address.url}`,
          `  effect-clerk:   ClerkClient.layer({ apiUrl: "${address.apiUrl}", secretKey })`,
          `  @clerk/backend: createClerkClient({ apiUrl: "${address.url}", secretKey })`,
          `  secret key:     ${emulator.secretKey}`,
          ...endpoints.map(
            (endpoint) => `  webhook:        ${endpoint.url} (signing secret ${endpoint.secret})`
          )
        ].join("\n")
      )
      return yield* Effect.never
    }).pipe(
      Effect.scoped,
      Effect.provide(
        layerWith({
          secretKey: Option.getOrUndefined(options.secretKey),
          stateFile: Option.getOrUndefined(options.stateFile),
          rateLimit: Option.getOrUndefined(
            Option.map(options.rateLimit, (limit) => ({
              limit,
              window: options.rateWindow
            }))
          )
        })
      )
    )
).pipe(Command.withDescription("Start the Clerk emulator as an HTTP server."))

const command = Command.make("clerk-emulator").pipe(Command.withSubcommands([serveCommand]))

/** The `clerk-emulator` command line, for `bin.ts`. */
export const cli = Command.run(command, { name: "clerk-emulator", version: "0.1.0" })
