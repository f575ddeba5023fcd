import { createServer } from "node:http"
import { Webhooks } from "@effect-clerk/auth"
import { ClerkClient, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Queue, Redacted } from "effect"

// Your code under test: a webhook endpoint that hands each new user's id to `welcome`.
const hooks = (secret: string, welcome: (userId: string) => Effect.Effect<void>) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/hooks",
      Effect.gen(function* () {
        const event = yield* Webhooks.verifyRequest(yield* HttpServerRequest.HttpServerRequest, { secret })
        if (event.type === "user.created") yield* welcome(event.data.id)
        return HttpServerResponse.empty({ status: 204 })
      }).pipe(Effect.catchTag("WebhookVerificationError", () => HttpServerResponse.empty({ status: 400 })))
    )
  )

const TestClerk = ClerkClient.layer({ secretKey: Redacted.make("sk_test_emulator") }).pipe(
  Layer.provideMerge(ClerkEmulator.layer)
)

it.scopedLive("welcomes the users Clerk tells it about", () =>
  Effect.gen(function* () {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    const welcomed = yield* Queue.unbounded<string>()
    // Serve the endpoint on a free port and register it with the emulator.
    const url = yield* HttpServer.serve(hooks(secret, (userId) => Queue.offer(welcomed, userId))).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      Layer.build,
      Effect.flatMap((server) => Effect.provide(HttpServer.addressFormattedWith(Effect.succeed), server))
    )
    yield* emulator.addWebhookEndpoint(`${url}/hooks`, { secret })

    const ada = yield* Users.create({ emailAddress: ["ada@example.com"] })

    expect(yield* Queue.take(welcomed)).toBe(ada.id)
  }).pipe(Effect.provide(TestClerk))
)
