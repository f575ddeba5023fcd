import { describe } from "@effect/vitest"
import { viaHttpClient, viaServer } from "./harness.js"
import { scenarios } from "./scenarios.js"

describe("through ClerkEmulator.layer (HttpClient)", () => scenarios(viaHttpClient))
describe("through ClerkEmulator.serve (HTTP server)", () => scenarios(viaServer))
