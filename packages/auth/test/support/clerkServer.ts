import { createServer } from "node:http"
import { Effect, type Scope } from "effect"

export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** Accept the request and never answer it. */
export const stall = "stall"

export interface ClerkServer {
  /** What the SDK's `apiUrl` takes. */
  readonly apiUrl: string
  /** Requests received, as `METHOD /path`, in order. */
  readonly requests: Array<string>
  /** The JSON bodies of the requests received. */
  readonly bodies: Array<unknown>
  /** The `Authorization` headers of the requests received. */
  readonly authorizations: Array<string | undefined>
}

/**
 * A real HTTP server on 127.0.0.1 standing in for the parts of the Backend API
 * these tests exercise (`/v1/jwks`, the machine token `verify` endpoints). The
 * routes are read on every request so a test can rotate keys mid-way.
 */
export const serveClerk = (
  routes: () => Readonly<Record<string, Reply | typeof stall>>
): Effect.Effect<ClerkServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const requests: Array<string> = []
    const bodies: Array<unknown> = []
    const authorizations: Array<string | undefined> = []
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const route = `${req.method} ${new URL(req.url ?? "/", "http://127.0.0.1").pathname}`
        requests.push(route)
        authorizations.push(req.headers.authorization)
        const text = Buffer.concat(chunks).toString("utf8")
        bodies.push(text === "" ? undefined : JSON.parse(text))
        const reply = routes()[route] ?? {
          status: 404,
          body: { errors: [{ code: "resource_not_found", message: "not found" }] }
        }
        if (reply === stall) return
        res.writeHead(reply.status, { "content-type": "application/json" })
        res.end(JSON.stringify(reply.body))
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(
            typeof address === "object" && address !== null
              ? Effect.succeed(address.port)
              : Effect.die("no port")
          )
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return { apiUrl: `http://127.0.0.1:${port}/v1`, requests, bodies, authorizations }
  })
