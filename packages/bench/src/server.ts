/**
 * The bench's Clerk: a keep-alive HTTP server on 127.0.0.1 answering
 * `GET {prefix}/v1/users/:id` and `GET {prefix}/v1/users?limit&offset` with
 * realistic users. A `/t/<total>` path prefix sets how many users the list
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

export const startServer = async (): Promise<BenchServer> => {
  const userBody = Buffer.from(JSON.stringify(makeUser(0)))
  const pages = new Map<string, Buffer>()
  const page = (offset: number, count: number) => {
    const key = `${offset % period}:${count}`
    let body = pages.get(key)
    if (body === undefined) {
      body = Buffer.from(usersJson(offset % period, count))
      pages.set(key, body)
    }
    return body
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
    const offset = Number(url.searchParams.get("offset") ?? "0")
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
