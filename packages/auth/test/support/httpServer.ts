import { createServer } from "node:http"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"

/** Serves `app` on a free loopback port for the test's scope and answers its base URL. */
export const serve = <E, R>(app: Layer.Layer<never, E, R | HttpServer.HttpServer>) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      Layer.provideMerge(app, NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
    const { address } = Context.get(context, HttpServer.HttpServer)
    return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : yield* Effect.die("not TCP")
  })
