/**
 * What `effectClerk.ts` costs before the SDK: a program of the same shape on
 * `effect` and `@effect/platform` alone (an HttpClient call, a stream, a
 * caught error, a transport layer). `typecheck.ts` reports it as the floor.
 */
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Chunk, Effect, Stream } from "effect"

export const program = Effect.gen(function* () {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("http://127.0.0.1/users")
  const all = yield* Stream.runCollect(Stream.make(1, 2, 3))
  return { status: response.status, all: Chunk.size(all) }
}).pipe(
  Effect.catchTag("RequestError", (e) => Effect.as(Effect.logWarning(e.message), undefined)),
  Effect.provide(FetchHttpClient.layer)
)
