import { NodeHttpClient } from "@effect/platform-node"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClerkClient } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as FakeClerk from "./fakeClerk.js"

/** The platform's undici client, bounded by a fiber per attempt, and ours, which bounds attempts itself. */
export const nodeTransports = [
  { name: "NodeHttpClient.layerUndici", layer: NodeHttpClient.layerUndici },
  { name: "UndiciHttpClient.layer", layer: UndiciHttpClient.layer }
] as const

/** A ClerkClient for a test server at `apiUrl`, over `transport`. */
export const clerkOver = (apiUrl: string, transport: Layer.Layer<HttpClient.HttpClient>) =>
  ClerkClient.layer({ secretKey: Redacted.make(FakeClerk.secretKey), apiUrl }).pipe(Layer.provide(transport))
