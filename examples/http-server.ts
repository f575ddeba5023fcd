/**
 * An `@effect/platform` HttpApi whose endpoints only signed-in users reach,
 * protected by `ClerkAuthentication` from @effect-clerk/auth. It runs against
 * the Clerk emulator: starts the emulator and the API server on loopback
 * ports, signs a user in, calls its own `/me` with and without the session
 * token, prints what it got and exits.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/http-server.ts
 */
import { createServer } from "node:http"
import { Authenticated, ClerkAuth, ClerkAuthentication, layerClerkAuthentication } from "@effect-clerk/auth"
import { ClerkClient } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import {
  FetchHttpClient,
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpClient,
  HttpClientRequest,
  HttpServer
} from "@effect/platform"
import { NodeHttpClient, NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Console, Context, Effect, Layer, Redacted, Schema } from "effect"

class Me extends Schema.Class<Me>("Me")({ userId: Schema.String, sessionId: Schema.String }) {}

class Api extends HttpApi.make("app").add(
  HttpApiGroup.make("account")
    .add(HttpApiEndpoint.get("me", "/me").addSuccess(Me))
    .middleware(ClerkAuthentication)
) {}

/** The handler reads who is calling from `Authenticated`; the middleware already refused everyone else. */
const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
  handlers.handle("me", () =>
    Effect.map(Authenticated, (auth) =>
      auth._tag === "SessionAuth"
        ? new Me({ userId: auth.userId, sessionId: auth.sessionId })
        : new Me({ userId: auth.subject, sessionId: "" })
    )
  )
)

const program = Effect.gen(function* () {
  const emulator = yield* ClerkEmulator.ClerkEmulator
  const clerk = yield* ClerkEmulator.serve()

  // ClerkAuth fetches and caches the instance's JWKS through the Backend API client.
  const clerkAuth = ClerkAuth.layer({ authorizedParties: ["http://localhost:3000"] }).pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(emulator.secretKey), apiUrl: clerk.apiUrl })),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const server = HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(AccountLive))),
    Layer.provide(layerClerkAuthentication),
    Layer.provide(clerkAuth),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const { address } = Context.get(yield* Layer.build(server), HttpServer.HttpServer)
  if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the server is not on TCP")
  const base = `http://127.0.0.1:${address.port}`

  const user = yield* emulator.seedUser({ email_address: ["ada@example.com"], first_name: "Ada" })
  const session = yield* emulator.seedSession(user.id)
  const token = yield* emulator.sessionToken(session.id, { azp: "http://localhost:3000" })

  const client = yield* HttpClient.HttpClient
  const signedIn = yield* client.execute(
    HttpClientRequest.get(`${base}/me`).pipe(HttpClientRequest.bearerToken(token))
  )
  yield* Console.log(`GET /me with the session token: ${signedIn.status} ${yield* signedIn.text}`)
  const anonymous = yield* client.execute(HttpClientRequest.get(`${base}/me`))
  yield* Console.log(`GET /me without a token:        ${anonymous.status}`)
  if (signedIn.status !== 200 || anonymous.status !== 401)
    return yield* Effect.dieMessage("unexpected answers")
}).pipe(
  Effect.scoped,
  Effect.provide(FetchHttpClient.layer),
  Effect.provide(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make()))
)

NodeRuntime.runMain(program)
