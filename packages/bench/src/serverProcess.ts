/** Runs the bench server in its own process, so it does not share a core's time with the clients. */
import { startServer } from "./server.js"

const server = await startServer()
process.send?.({ origin: server.origin })
process.on("disconnect", () => {
  void server.close().then(() => process.exit(0))
})
