import { ClerkClient } from "@effect-clerk/backend"
import { NodeHttpClient } from "@effect/platform-node"
import { Layer, Redacted } from "effect"

/** A `ClerkClient` talking to `apiUrl` over real sockets. */
export const clientLayer = (apiUrl: string) =>
  ClerkClient.layer({ secretKey: Redacted.make("sk_test_auth"), apiUrl }).pipe(
    Layer.provideMerge(NodeHttpClient.layerUndici)
  )
