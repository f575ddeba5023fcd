import * as Http from "node:http"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { closeServer, listenLocally } from "./localServer.js"

/**
 * A server that echoes what it received, answers forms and cookies, and can stall
 * before its headers (`/stall`) or halfway through its body (`/stall-body`), send
 * the second half of a body late (`/late-half`, `/late-half?status=…`), or break
 * off halfway (`/broken-body`).
 */
let server: Http.Server
let origin: string
const closed: Array<string> = []
/** The URLs whose late second half the server has sent. */
const lateHalvesSent: Array<string> = []

beforeAll(async () => {
  server = Http.createServer((req, res) => {
    req.socket.once("close", () => closed.push(req.url ?? ""))
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      if (req.url === "/stall") return
      if (req.url === "/stall-body") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write('{"partial":')
        return
      }
      if (req.url?.startsWith("/late-half")) {
        const status = Number(new URL(req.url, origin).searchParams.get("status") ?? 200)
        res.writeHead(status, { "content-type": "application/json" })
        res.write('{"half":')
        setTimeout(() => {
          lateHalvesSent.push(req.url ?? "")
          res.end('"two"}')
        }, 50)
        return
      }
      if (req.url === "/broken-body") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
        res.write('{"partial":', () => req.socket.destroy())
        return
      }
      if (req.url === "/form") {
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        res.end("name=Ada&name=Grace")
        return
      }
      res.writeHead(201, {
        "content-type": "application/json",
        "set-cookie": ["a=1; Path=/", "b=2; Path=/"],
        "x-seen-method": req.method ?? ""
      })
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString("utf8")
        })
      )
    })
  })
  origin = await listenLocally(server)
})

afterAll(() => closeServer(server))

const untilClosed = (url: string) =>
  Effect.sleep("5 millis").pipe(
    Effect.repeat({ until: () => closed.includes(url) }),
    Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error(`${url} was not closed`) })
  )

describe("UndiciHttpClient", () => {
  it.scopedLive("sends method, query, headers and body, and reads status, headers, cookies and json", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post(`${origin}/echo`).pipe(
          HttpClientRequest.setUrlParams({ q: "a b", tag: ["x", "y"] }),
          HttpClientRequest.bearerToken("sk_test_1"),
          HttpClientRequest.bodyText("hello", "text/plain")
        )
      )
      expect(response.status).toBe(201)
      expect(response.headers["x-seen-method"]).toBe("POST")
      expect([...Object.keys(response.cookies.cookies)].sort()).toEqual(["a", "b"])
      expect(yield* response.json).toEqual({
        method: "POST",
        url: "/echo?q=a+b&tag=x&tag=y",
        authorization: "Bearer sk_test_1",
        body: "hello"
      })
      // A body read twice is the same text, not a second read of a drained stream.
      expect(yield* response.text).toBe(yield* response.text)
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("streams a request body from an Effect Stream and a response body into one", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const body = Stream.make("chunk one, ", "chunk two").pipe(Stream.encodeText)
      const response = yield* client.execute(
        HttpClientRequest.put(`${origin}/upload`).pipe(HttpClientRequest.bodyStream(body))
      )
      const bytes = yield* Stream.runCollect(response.stream)
      const text = Buffer.concat(Chunk.toArray(bytes)).toString("utf8")
      expect(JSON.parse(text)).toMatchObject({ method: "PUT", body: "chunk one, chunk two" })
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("reads form bodies as URL params and as FormData", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const params = yield* Effect.flatMap(client.get(`${origin}/form`), (response) => response.urlParamsBody)
      expect(params).toEqual([
        ["name", "Ada"],
        ["name", "Grace"]
      ])
      const form = yield* Effect.flatMap(client.get(`${origin}/form`), (response) => response.formData)
      expect(form.getAll("name")).toEqual(["Ada", "Grace"])
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("a refused connection and an invalid URL are RequestErrors", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const refused = yield* Effect.flip(client.get("http://127.0.0.1:1/users"))
      expect(refused._tag).toBe("RequestError")
      expect(refused.reason).toBe("Transport")
      const invalid = yield* Effect.flip(client.get("not a url"))
      expect(invalid.reason).toBe("InvalidUrl")
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("the answer comes once its whole body has arrived, to be read as text or bytes", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      lateHalvesSent.length = 0
      const answer = yield* client.get(`${origin}/late-half`)
      expect(lateHalvesSent).toEqual(["/late-half"])
      expect(yield* answer.text).toBe('{"half":"two"}')
      // The body is kept: it reads again, either way.
      expect(yield* answer.text).toBe('{"half":"two"}')
      expect(Buffer.from(yield* answer.arrayBuffer).toString("utf8")).toBe('{"half":"two"}')
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("interrupting a request whose body stalls closes its socket", () =>
    Effect.gen(function* () {
      closed.length = 0
      const client = yield* HttpClient.HttpClient
      const result = yield* Effect.timeout(client.get(`${origin}/stall-body`), "100 millis").pipe(Effect.flip)
      expect(result._tag).toBe("TimeoutException")
      yield* untilClosed("/stall-body")
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("a body that breaks off is an answer whose read fails", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      for (const asBytes of [false, true]) {
        // The headers came: it is an answer, whose body cannot be read.
        const response = yield* client.get(`${origin}/broken-body`)
        expect(response.status).toBe(200)
        const read: Effect.Effect<unknown, HttpClientError.ResponseError> = asBytes
          ? response.arrayBuffer
          : response.text
        const error = yield* Effect.flip(read)
        expect(error._tag).toBe("ResponseError")
        expect(error.reason).toBe("Decode")
      }
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )

  it.scopedLive("interrupting a pending request closes its socket", () =>
    Effect.gen(function* () {
      closed.length = 0
      const client = yield* HttpClient.HttpClient
      const result = yield* Effect.timeout(client.get(`${origin}/stall`), "100 millis").pipe(Effect.flip)
      expect(result._tag).toBe("TimeoutException")
      yield* untilClosed("/stall")
    }).pipe(Effect.provide(UndiciHttpClient.layer))
  )
})
