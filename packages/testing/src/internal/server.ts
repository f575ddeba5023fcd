import { createServer, type IncomingMessage, type Server } from "node:http"
import { Effect } from "effect"
import type { EmulatorRequest, EmulatorResponse } from "./app.js"

export interface Listening {
  readonly server: Server
  readonly port: number
}

const readBody = (req: IncomingMessage): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/**
 * A Node HTTP server that hands every request to `handle`. Effects run through
 * `Effect.runPromise` because node:http calls back outside of any fiber.
 */
export const listen = (
  handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>,
  port: number,
  hostname: string
): Promise<Listening> => {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) =>
        Effect.runPromise(
          handle({
            method: req.method ?? "GET",
            url: new URL(req.url ?? "/", `http://${hostname}`),
            authorization: req.headers.authorization,
            contentType: req.headers["content-type"],
            body
          })
        )
      )
      .then(
        (response) => {
          res.writeHead(response.status, response.headers)
          res.end(response.body)
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" })
          res.end(`Clerk emulator failed to read the request: ${String(error)}`)
        }
      )
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, hostname, () => {
      server.off("error", reject)
      const address = server.address()
      // A TCP listener always reports an AddressInfo; a string would mean a pipe.
      if (address === null || typeof address === "string")
        reject(new Error("the server is not listening on TCP"))
      else resolve({ server, port: address.port })
    })
  })
}

export const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    // Keep-alive sockets from clients would otherwise hold close() open.
    server.closeAllConnections()
  })
