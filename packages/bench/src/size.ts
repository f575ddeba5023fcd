/**
 * Bundle cost of one operation: esbuild-minified, gzipped size of a program
 * calling `Users.get`, against the same program written with `effect` and
 * `@effect/platform` only. Also counts the operations that got into the bundle:
 * a one-operation program must carry one.
 */
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

/** Deep imports, as a bundle-conscious program writes them (see `barrelProgram`). */
const sdkProgram = `
import * as ClerkClient from "@effect-clerk/backend/ClerkClient"
import * as Users from "@effect-clerk/backend/Users"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const layer = ClerkClient.layer({ secretKey: Redacted.make("sk_test_x") }).pipe(Layer.provide(FetchHttpClient.layer))
Effect.runPromise(Effect.provide(Users.get({ userId: "user_1" }), layer)).then(console.log)
`

/**
 * The same through the package index. esbuild turns \`export * as Users\` into an
 * object holding every export of the namespace, so the whole namespace stays.
 */
const barrelProgram = `
import { ClerkClient, Users } from "@effect-clerk/backend"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"

const layer = ClerkClient.layer({ secretKey: Redacted.make("sk_test_x") }).pipe(Layer.provide(FetchHttpClient.layer))
Effect.runPromise(Effect.provide(Users.get({ userId: "user_1" }), layer)).then(console.log)
`

/** The same call by hand: bearer request, status check, a decoded (abridged) user. */
const effectOnlyProgram = `
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const secret = Redacted.make("sk_test_x")
const User = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("user"),
  firstName: Schema.propertySignature(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("first_name")),
  lastName: Schema.propertySignature(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("last_name")),
  emailAddresses: Schema.propertySignature(
    Schema.Array(Schema.Struct({ id: Schema.String, emailAddress: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("email_address")) }))
  ).pipe(Schema.fromKey("email_addresses")),
  createdAt: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("created_at"))
})
const getUser = (userId) =>
  Effect.gen(function* () {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.prependUrl("https://api.clerk.com/v1")),
      HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(secret))),
      HttpClient.filterStatusOk
    )
    const response = yield* client.get("/users/" + encodeURIComponent(userId))
    return yield* HttpClientResponse.schemaBodyJson(User)(response)
  }).pipe(Effect.scoped)
Effect.runPromise(Effect.provide(getUser("user_1"), FetchHttpClient.layer)).then(console.log)
`

const bundle = async (contents: string, resolveDir: string) => {
  const result = await esbuild.build({
    stdin: { contents, resolveDir, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.contents
  const text = Buffer.from(code).toString("utf8")
  return {
    text,
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    operations: (text.match(/operationId:"/g) ?? []).length
  }
}

export const bundleSizes = async (resolveDir: string) => ({
  sdk: await bundle(sdkProgram, resolveDir),
  barrel: await bundle(barrelProgram, resolveDir),
  effectOnly: await bundle(effectOnlyProgram, resolveDir)
})
