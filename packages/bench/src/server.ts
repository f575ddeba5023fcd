/**
 * The bench's Clerk: a keep-alive HTTP server on 127.0.0.1 answering
 * `GET {prefix}/v1/users/:id` and `GET {prefix}/v1/users?limit&offset` (or
 * `&starting_after`, the cursor `Users.stream` walks by) with realistic users. A `/t/<total>` path prefix sets how many users the list
 * has (default 100,000), so one server serves every scenario.
 * Pages are served from a cache of their bytes: the server must cost the same
 * for every client and as little as possible.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { makeUser, usersJson } from "./users.js"

export interface BenchServer {
  readonly origin: string
  /** Requests answered so far. */
  readonly requests: () => number
  readonly close: () => Promise<void>
}

const defaultTotal = 100_000
/** Users repeat with this period, so at most this many distinct pages exist per page size. */
const period = 500
const positionPrefix = "user_at_"

export const startServer = async (): Promise<BenchServer> => {
  const userBody = Buffer.from(JSON.stringify(makeUser(0)))
  const pages = new Map<string, Buffer>()
  const cached = (offset: number, count: number) => {
    const key = `${offset % period}:${count}`
    let body = pages.get(key)
    if (body === undefined) {
      body = Buffer.from(usersJson(offset % period, count))
      pages.set(key, body)
    }
    return body
  }
  /**
   * Ids repeat with the period, so a cursor could not tell pages apart: the last
   * user of a page carries an id naming its position, and a cursor after it
   * continues from there. Every client gets the same bytes for the same page.
   */
  const page = (offset: number, count: number) => {
    if (count === 0) return cached(offset, 0)
    const body = cached(offset, count)
    const idEntry = `"id":${JSON.stringify(makeUser((offset + count - 1) % period).id)}`
    const at = body.lastIndexOf(idEntry)
    return Buffer.concat([
      body.subarray(0, at),
      Buffer.from(`"id":${JSON.stringify(`${positionPrefix}${offset + count - 1}`)}`),
      body.subarray(at + Buffer.byteLength(idEntry))
    ])
  }
  const offsetOf = (url: URL) => {
    const after = url.searchParams.get("starting_after")
    if (after?.startsWith(positionPrefix)) return Number(after.slice(positionPrefix.length)) + 1
    return Number(url.searchParams.get("offset") ?? "0")
  }
  let requests = 0
  const server = Http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    requests++
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    const match = /^(?:\/t\/(\d+))?\/v1\/users(?:\/([^/]+))?$/.exec(url.pathname)
    const send = (status: number, body: Buffer) => {
      response.writeHead(status, { "content-type": "application/json", "content-length": body.length })
      response.end(body)
    }
    if (request.method !== "GET" || match === null) {
      send(404, Buffer.from('{"errors":[{"code":"resource_not_found","message":"not found"}]}'))
      return
    }
    if (match[2] !== undefined) {
      send(200, userBody)
      return
    }
    const total = match[1] === undefined ? defaultTotal : Number(match[1])
    const limit = Number(url.searchParams.get("limit") ?? "10")
    const offset = offsetOf(url)
    send(200, page(offset, Math.max(0, Math.min(limit, total - offset))))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
