import type * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** Starts `server` on a free port of 127.0.0.1; answers its origin (`http://127.0.0.1:<port>`). */
export const listenLocally = async (server: Http.Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes `server`, dropping its keep-alive connections first so the close does not wait on them. */
export const closeServer = (server: Http.Server): Promise<void> => {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
