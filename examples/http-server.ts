/**
 * An `@effect/platform` HttpApi guarded by @effect-clerk/auth: `/me` lets any
 * signed-in user through (`ClerkAuthentication`), `/invoices` only callers with
 * the `org:invoices:read` permission, and `DELETE /invoices` only admins of the
 * active organization (`Requirement` middlewares, 403 declared in the API).
 *
 * It runs against the Clerk emulator: starts the emulator and the API server on
 * loopback ports, gives a custom role the `org:invoices:read` permission, signs
 * in an admin and an accountant (that role) of one organization, calls the API
 * as each of them and without a token, prints the answers and exits.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/http-server.ts
 */
import { createServer } from "node:http"
import {
  Authenticated,
  ClerkAuth,
  ClerkAuthentication,
  layerClerkAuthentication,
  layerRequirement,
  Requirement
} from "@effect-clerk/auth"
import { ClerkClient, OrganizationPermissions, OrganizationRoles } from "@effect-clerk/backend"
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
import { UndiciHttpClient } from "@effect-clerk/backend/node"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Console, Context, Effect, Layer, Redacted, Schema } from "effect"

class Me extends Schema.Class<Me>("Me")({ userId: Schema.String, orgRole: Schema.NullOr(Schema.String) }) {}

/** One middleware per rule; its rule is given by the layer below. */
class CanReadInvoices extends Requirement<CanReadInvoices>()("CanReadInvoices") {}
class IsAdmin extends Requirement<IsAdmin>()("IsAdmin") {}

class Api extends HttpApi.make("app").add(
  HttpApiGroup.make("account")
    .add(
      HttpApiEndpoint.get("invoices", "/invoices")
        .addSuccess(Schema.Array(Schema.String))
        .middleware(CanReadInvoices)
    )
    .add(HttpApiEndpoint.del("purge", "/invoices").middleware(IsAdmin))
    .add(HttpApiEndpoint.get("me", "/me").addSuccess(Me))
    .middleware(ClerkAuthentication)
) {}

/** Handlers read the caller from `Authenticated`; the middlewares already refused everyone else. */
const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
  handlers
    .handle("invoices", () => Effect.succeed(["inv_1", "inv_2"]))
    .handle("purge", () => Effect.void)
    .handle("me", () =>
      Effect.map(Authenticated, (auth) =>
        auth._tag === "SessionAuth"
          ? new Me({ userId: auth.userId, orgRole: auth.orgRole ?? null })
          : new Me({ userId: auth.subject, orgRole: null })
      )
    )
)

const program = Effect.gen(function* () {
  const emulator = yield* ClerkEmulator.ClerkEmulator
  const clerk = yield* ClerkEmulator.serve()

  const backend = ClerkClient.layer({
    secretKey: Redacted.make(emulator.secretKey),
    apiUrl: clerk.apiUrl
  }).pipe(Layer.provide(UndiciHttpClient.layer))
  // ClerkAuth fetches and caches the instance's JWKS through the Backend API client.
  const clerkAuth = ClerkAuth.layer({ authorizedParties: ["http://localhost:3000"] }).pipe(
    Layer.provide(backend)
  )
  const server = HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(AccountLive))),
    Layer.provide(layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })),
    Layer.provide(layerRequirement(IsAdmin, { role: "org:admin" })),
    Layer.provide(layerClerkAuthentication),
    Layer.provide(clerkAuth),
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const { address } = Context.get(yield* Layer.build(server), HttpServer.HttpServer)
  if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the server is not on TCP")
  const base = `http://127.0.0.1:${address.port}`

  // A custom role holding a custom permission, made through the Backend API as on your instance.
  yield* OrganizationPermissions.create({ name: "Read invoices", key: "org:invoices:read" }).pipe(
    Effect.flatMap((readInvoices) =>
      OrganizationRoles.create({ name: "Accountant", key: "org:accountant", permissions: [readInvoices.id] })
    ),
    Effect.provide(backend)
  )
  // Ada creates the organization (so she is its admin) and Grace joins it as an accountant.
  const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"], firstName: "Ada" })
  const grace = yield* emulator.seedUser({ emailAddress: ["grace@example.com"], firstName: "Grace" })
  const org = yield* emulator.seedOrganization({ name: "Analytical Engines", createdBy: ada.id })
  yield* emulator.seedMembership({ organizationId: org.id, userId: grace.id, role: "org:accountant" })
  const tokenFor = (userId: string) =>
    Effect.flatMap(emulator.seedSession({ userId: userId, activeOrganizationId: org.id }), (session) =>
      emulator.sessionToken(session.id, { azp: "http://localhost:3000" })
    )
  const callers = { ada: yield* tokenFor(ada.id), grace: yield* tokenFor(grace.id), nobody: undefined }

  const client = yield* HttpClient.HttpClient
  const call = (method: "GET" | "DELETE", path: string, token: string | undefined) =>
    client
      .execute(
        HttpClientRequest.make(method)(`${base}${path}`).pipe(
          token === undefined ? (request) => request : HttpClientRequest.bearerToken(token)
        )
      )
      .pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => `${response.status} ${text}`.trim()))
      )

  const answers: Record<string, string> = {}
  for (const [name, token] of Object.entries(callers)) {
    for (const [method, path] of [
      ["GET", "/me"],
      ["GET", "/invoices"],
      ["DELETE", "/invoices"]
    ] as const) {
      const answer = yield* call(method, path, token)
      answers[`${name} ${method} ${path}`] = answer.split(" ")[0] ?? ""
      yield* Console.log(`${`${name}:`.padEnd(8)}${`${method} ${path}`.padEnd(17)}${answer}`)
    }
  }
  // The admin role holds only Clerk's system permissions, which session tokens leave out.
  const expected: Record<string, string> = {
    "ada GET /me": "200",
    "ada GET /invoices": "403",
    "ada DELETE /invoices": "204",
    "grace GET /me": "200",
    "grace GET /invoices": "200",
    "grace DELETE /invoices": "403",
    "nobody GET /me": "401",
    "nobody GET /invoices": "401",
    "nobody DELETE /invoices": "401"
  }
  if (JSON.stringify(answers) !== JSON.stringify(expected))
    return yield* Effect.dieMessage("unexpected answers")
}).pipe(
  Effect.scoped,
  Effect.provide(FetchHttpClient.layer),
  Effect.provide(Layer.effect(ClerkEmulator.ClerkEmulator, ClerkEmulator.make()))
)

NodeRuntime.runMain(program)
