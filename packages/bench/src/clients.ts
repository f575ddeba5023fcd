/**
 * The contestants, each pointed at the bench server: what every scenario
 * needs from a client is one user, one page, and a way to run many of them.
 */
import { createClerkClient } from "@clerk/backend"
import { ClerkClient, Users } from "@effect-clerk/backend"
import { UndiciHttpClient } from "@effect-clerk/backend/node"
import type * as HttpClient from "@effect/platform/HttpClient"
import { NodeHttpClient } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Undici from "undici"

export const secretKey = "sk_test_bench_0000000000000000000000000000"

export interface Client {
  readonly name: string
  /** `count` sequential get-user calls. */
  readonly gets: (count: number) => Promise<void>
  /** `count` get-user calls, `concurrency` in flight. */
  readonly concurrentGets: (count: number, concurrency: number) => Promise<void>
  /** `count` sequential list calls of `limit` users. */
  readonly lists: (count: number, limit: number) => Promise<void>
  readonly close: () => Promise<void>
}

const expectItems = (page: unknown, limit: number) => {
  if (!Array.isArray(page) || page.length !== limit) throw new Error(`expected ${limit} users`)
}

/** Promise-based clients share the loops; only the two calls differ. */
const promiseClient = (
  name: string,
  getUser: (id: string) => Promise<unknown>,
  listUsers: (limit: number, offset: number) => Promise<unknown>,
  close: () => Promise<void> = async () => {}
): Client => ({
  name,
  gets: async (count) => {
    for (let i = 0; i < count; i++) await getUser(`user_${i}`)
  },
  concurrentGets: async (count, concurrency) => {
    let next = 0
    const worker = async () => {
      while (next < count) await getUser(`user_${next++}`)
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  },
  lists: async (count, limit) => {
    for (let i = 0; i < count; i++) expectItems(await listUsers(limit, 0), limit)
  },
  close
})

const headers = { authorization: `Bearer ${secretKey}`, accept: "application/json" }

const readJson = async (response: Response) => {
  if (!response.ok) throw new Error(`status ${response.status}`)
  return JSON.parse(await response.text()) as unknown
}

/** The floor: what any client must at least do. */
const fetchClient = (origin: string) =>
  promiseClient(
    "fetch + JSON.parse",
    async (id) => readJson(await fetch(`${origin}/v1/users/${id}`, { headers })),
    async (limit, offset) =>
      readJson(await fetch(`${origin}/v1/users?limit=${limit}&offset=${offset}`, { headers }))
  )

/** The physical limit of Node: undici's own API, no WHATWG streams. */
const undiciClient = (origin: string) => {
  const agent = new Undici.Agent({ keepAliveTimeout: 60_000, connections: 32 })
  const get = async (path: string) => {
    const { statusCode, body } = await Undici.request(`${origin}${path}`, { headers, dispatcher: agent })
    const text = await body.text()
    if (statusCode !== 200) throw new Error(`status ${statusCode}`)
    return JSON.parse(text) as unknown
  }
  return promiseClient(
    "undici.request + JSON.parse",
    (id) => get(`/v1/users/${id}`),
    (limit, offset) => get(`/v1/users?limit=${limit}&offset=${offset}`),
    () => agent.close()
  )
}

const clerkBackendClient = (origin: string) => {
  const clerk = createClerkClient({ secretKey, apiUrl: origin })
  return promiseClient(
    "@clerk/backend",
    (id) => clerk.users.getUser(id),
    async (limit, offset) => (await clerk.users.getUserList({ limit, offset })).data
  )
}

/** The SDK as the README's first example provides it (its undici transport), or over any other HttpClient. */
export const sdkRuntime = (
  apiUrl: string,
  transport: Layer.Layer<HttpClient.HttpClient> = UndiciHttpClient.layer
) =>
  ManagedRuntime.make(
    ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl }).pipe(Layer.provide(transport))
  )

const userIds = (count: number) => Array.from({ length: count }, (_, i) => `user_${i}`)

/** This SDK, driven the way an Effect program drives it: loops inside one Effect. */
const sdkClient = (
  origin: string,
  name = "@effect-clerk/backend",
  transport?: Layer.Layer<HttpClient.HttpClient>
): Client => {
  const runtime = sdkRuntime(`${origin}/v1`, transport)
  return {
    name,
    gets: (count) =>
      runtime.runPromise(
        Effect.forEach(userIds(count), (userId) => Users.get({ userId }), { discard: true })
      ),
    concurrentGets: (count, concurrency) =>
      runtime.runPromise(
        Effect.forEach(userIds(count), (userId) => Users.get({ userId }), { concurrency, discard: true })
      ),
    lists: (count, limit) =>
      runtime.runPromise(
        Effect.forEach(
          userIds(count),
          () => Effect.map(Users.list({ limit, offset: 0 }), (page) => expectItems(page, limit)),
          { discard: true }
        )
      ),
    close: () => runtime.dispose()
  }
}

export const allClients = (origin: string): ReadonlyArray<Client> => [
  fetchClient(origin),
  undiciClient(origin),
  clerkBackendClient(origin),
  sdkClient(origin),
  sdkClient(origin, "@effect-clerk/backend over NodeHttpClient.layerUndici", NodeHttpClient.layerUndici)
]
