import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { RetryPolicy, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"
import { clerkOver, nodeTransports } from "./nodeTransports.js"
import { closeServer, listenLocally } from "./localServer.js"

/**
 * A body must be decoded as UTF-8 only once it is whole: this server sends every
 * answer in two writes, split inside a multi-byte character, with a pause
 * between them so they arrive as separate chunks.
 */
const firstName = "Zoë 🦊"
const errorBody = "Übergangsfehler: ✗ no upstream"

let server: Http.Server
let apiUrl: string

const sendSplit = (res: Http.ServerResponse, status: number, contentType: string, body: string) => {
  const bytes = Buffer.from(body, "utf8")
  // Inside the fox emoji (or the ✗) whichever comes first: a cut no UTF-8 decoder may see alone.
  const cut = bytes.indexOf(Buffer.from(body.includes("🦊") ? "🦊" : "✗", "utf8")) + 2
  res.writeHead(status, { "content-type": contentType, "content-length": String(bytes.length) })
  res.write(bytes.subarray(0, cut))
  setTimeout(() => res.end(bytes.subarray(cut)), 20)
}

beforeAll(async () => {
  server = Http.createServer((req, res) => {
    req.resume()
    if (req.url?.endsWith("/users/user_broken")) sendSplit(res, 502, "text/plain; charset=utf-8", errorBody)
    // A list of one: `Users.stream` reads the page it fetches ahead as bytes, decoded when it is reached.
    else if (req.url?.includes("/users?"))
      sendSplit(res, 200, "application/json", JSON.stringify([FakeClerk.user({ first_name: firstName })]))
    else sendSplit(res, 200, "application/json", JSON.stringify(FakeClerk.user({ first_name: firstName })))
  })
  apiUrl = `${await listenLocally(server)}/v1`
})

afterAll(() => closeServer(server))

for (const transport of nodeTransports) {
  const clerk = () => clerkOver(apiUrl, transport.layer)

  describe(`a body split inside a character, over ${transport.name}`, () => {
    it.scopedLive("decodes to the characters sent", () =>
      Effect.gen(function* () {
        const user = yield* Users.get({ userId: "user_1" })
        expect(user.firstName).toBe(firstName)
      }).pipe(Effect.provide(clerk()))
    )

    it.scopedLive("decodes a streamed page, read ahead as bytes, to the characters sent", () =>
      Effect.gen(function* () {
        const users = yield* Stream.runCollect(Users.stream())
        expect(Chunk.toReadonlyArray(users).map((user) => user.firstName)).toEqual([firstName])
      }).pipe(Effect.provide(clerk()))
    )

    it.scopedLive("keeps an error body as sent", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          Users.get({ userId: "user_broken" }, { retry: RetryPolicy.disabled })
        )
        expect(error._tag).toBe("SDKError")
        expect(error._tag === "SDKError" && error.body).toBe(errorBody)
      }).pipe(Effect.provide(clerk()))
    )
  })
}
