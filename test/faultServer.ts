/**
 * A Backend API stand-in on 127.0.0.1 that answers each request with a fault
 * drawn at random (seeded): rate limits, server errors, HTML pages, broken JSON,
 * slow or broken answers, dropped connections. It records every request it
 * reads, keyed by the idempotency marker of the logical call (the user id in the
 * path, or `external_id` in a create's body), and whether it carried out the write.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { user } from "../packages/backend/test/fakeClerk.js"

export type Fault =
  | "ok"
  | "okWrongContentType"
  | "okThenDropKeepAlive"
  | "rateLimitedSeconds"
  | "rateLimitedDate"
  | "rateLimitedBare"
  | "notFound"
  | "error500"
  | "badGateway502"
  | "unavailable503"
  | "gatewayTimeout504"
  | "htmlOk"
  | "truncatedJson"
  | "slowHeaders"
  | "slowBody"
  | "resetBeforeRead"
  | "resetBeforeResponse"
  | "resetMidBody"

/** Relative frequencies. */
const weights: ReadonlyArray<readonly [Fault, number]> = [
  ["ok", 46],
  ["okWrongContentType", 3],
  ["okThenDropKeepAlive", 3],
  ["rateLimitedSeconds", 2],
  ["rateLimitedDate", 1],
  ["rateLimitedBare", 6],
  ["notFound", 2],
  ["error500", 4],
  ["badGateway502", 3],
  ["unavailable503", 3],
  ["gatewayTimeout504", 2],
  ["htmlOk", 2],
  ["truncatedJson", 2],
  ["slowHeaders", 1],
  ["slowBody", 1],
  ["resetBeforeRead", 2],
  ["resetBeforeResponse", 2],
  ["resetMidBody", 2]
]

/** Faults where Clerk would not have acted on the request. */
const rejectedUnread: ReadonlySet<Fault> = new Set([
  "rateLimitedSeconds",
  "rateLimitedDate",
  "rateLimitedBare",
  "resetBeforeRead"
])

export interface Attempt {
  readonly method: string
  readonly fault: Fault
  /** The server carried out the write (worst case: before failing to answer). */
  readonly committed: boolean
}

export interface FaultServer {
  readonly apiUrl: string
  readonly attempts: ReadonlyMap<string, ReadonlyArray<Attempt>>
  readonly close: () => Promise<void>
}

/** mulberry32: a tiny seeded generator, so a failing run can be replayed. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const clerkError = (code: string) => JSON.stringify({ errors: [{ code, message: code }] })
const html = (title: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body>${title}</body></html>`

export const start = async (options: {
  readonly seed: number
  readonly slowMillis: number
}): Promise<FaultServer> => {
  const random = seeded(options.seed)
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0)
  const draw = (): Fault => {
    let point = random() * total
    for (const [fault, weight] of weights) {
      point -= weight
      if (point < 0) return fault
    }
    return "ok"
  }
  const attempts = new Map<string, Array<Attempt>>()
  const record = (marker: string, attempt: Attempt) => {
    const list = attempts.get(marker) ?? []
    list.push(attempt)
    attempts.set(marker, list)
  }

  const server = Http.createServer((req, res) => {
    const fault = draw()
    // Writes to a socket the client already gave up on are expected here.
    res.on("error", () => {})
    if (fault === "resetBeforeRead") {
      // Nothing was read, so nothing can be recorded under a marker: count it apart.
      record("(unread)", { method: req.method ?? "", fault, committed: false })
      req.socket.destroy()
      return
    }
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const method = req.method ?? ""
      const path = (req.url ?? "").split("?")[0] ?? ""
      const body =
        chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      const marker =
        method === "POST" ? String(body.external_id) : decodeURIComponent(path.split("/").pop() ?? "(none)")
      const isWrite = method !== "GET"
      const answer = (status: number, headers: Http.OutgoingHttpHeaders, text: string) => {
        res.writeHead(status, { "content-length": Buffer.byteLength(text), ...headers })
        res.end(text)
      }
      const success = () =>
        method === "DELETE"
          ? JSON.stringify({ id: marker, object: "user", deleted: true })
          : JSON.stringify(user({ id: marker, external_id: method === "POST" ? marker : null }))
      const json = { "content-type": "application/json" }
      switch (fault) {
        case "ok":
          answer(200, json, success())
          break
        case "okWrongContentType":
          answer(200, { "content-type": "text/plain" }, success())
          break
        case "okThenDropKeepAlive":
          // Answer as if the connection stays open, then drop it: the client's next request on it fails.
          answer(200, { ...json, connection: "keep-alive" }, success())
          res.once("finish", () => setImmediate(() => req.socket.destroy()))
          break
        case "rateLimitedSeconds":
          answer(429, { ...json, "retry-after": "1" }, clerkError("too_many_requests"))
          break
        case "rateLimitedDate": {
          const date = new Date(Date.now() + 2000).toUTCString()
          answer(429, { ...json, "retry-after": date }, clerkError("too_many_requests"))
          break
        }
        case "rateLimitedBare":
          answer(429, json, clerkError("too_many_requests"))
          break
        case "notFound":
          answer(404, json, clerkError("resource_not_found"))
          break
        case "error500":
          answer(500, json, clerkError("internal_clerk_error"))
          break
        case "badGateway502":
          answer(502, { "content-type": "text/html" }, html("502 Bad Gateway"))
          break
        case "unavailable503":
          answer(503, { "content-type": "text/html" }, html("503 Service Unavailable"))
          break
        case "gatewayTimeout504":
          answer(504, { "content-type": "text/html" }, html("504 Gateway Timeout"))
          break
        case "htmlOk":
          answer(200, { "content-type": "text/html" }, html("Maintenance"))
          break
        case "truncatedJson": {
          const text = success().slice(0, 40)
          answer(200, json, text)
          break
        }
        case "slowHeaders":
          setTimeout(() => answer(200, json, success()), options.slowMillis)
          break
        case "slowBody": {
          const text = success()
          res.writeHead(200, { ...json, "content-length": Buffer.byteLength(text) })
          res.write(text.slice(0, 20))
          setTimeout(() => res.end(text.slice(20)), options.slowMillis)
          break
        }
        case "resetBeforeResponse":
          req.socket.destroy()
          break
        case "resetMidBody": {
          const text = success()
          res.writeHead(200, { ...json, "content-length": Buffer.byteLength(text) })
          res.write(text.slice(0, 30), () => req.socket.destroy())
          break
        }
      }
      const committed = isWrite && !rejectedUnread.has(fault) && fault !== "notFound"
      record(marker, { method, fault, committed })
    })
  })
  server.keepAliveTimeout = 30_000
  // Once per connection: a keep-alive socket carries many requests.
  server.on("connection", (socket) => socket.on("error", () => {}))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    apiUrl: `http://127.0.0.1:${port}/v1`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
