import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import {
  ClerkClient,
  Invitations,
  M2m,
  type Models,
  Organizations,
  type Page,
  RetryPolicy,
  Users
} from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

/** A list endpoint of `total` items, each page computed from `limit` and `offset`. */
interface Listing {
  readonly total: number
  /** The page body for these items. */
  readonly body: (items: ReadonlyArray<unknown>, total: number) => unknown
  readonly item: (n: number) => unknown
}

const user = (n: number) => FakeClerk.user({ id: `user_${n}` })

const organization = (n: number) => FakeClerk.organization({ id: `org_${n}`, slug: `org-${n}` })

const m2mToken = (n: number) => ({
  object: "machine_to_machine_token",
  id: `mt_${n}`,
  subject: "mch_1",
  revoked: false,
  revocation_reason: null,
  expired: false,
  expiration: null,
  last_used_at: null,
  created_at: 1,
  updated_at: 1
})

interface Served {
  readonly path: string
  readonly limit: number
  /** Where the page starts, whether asked by offset or by cursor. */
  readonly offset: number
  readonly startingAfter: string | null
  readonly paginated: string | null
}

interface ServerOptions {
  readonly listings: Record<string, Listing>
  /** Answer this offset with a 422 instead of a page. */
  readonly failAt?: number
  /** Answer this offset with a page whose last item its schema rejects. */
  readonly invalidAt?: number
  /** The first time this offset is asked for, break the connection halfway through the page. */
  readonly breakOnceAt?: number
  /** Never answer this offset; resolves `closed` when the client drops that request. */
  readonly hangAt?: number
}

/** A real HTTP server on 127.0.0.1 serving offset-paginated lists, recording every request. */
const serve = (options: ServerOptions) =>
  Effect.gen(function* () {
    const served: Array<Served> = []
    const hanging = yield* Deferred.make<void>()
    const closed = yield* Deferred.make<void>()
    const server = Http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      const path = url.pathname.replace(/^\/v1/, "")
      const listing = options.listings[path]
      const limit = Number(url.searchParams.get("limit") ?? "10")
      const startingAfter = url.searchParams.get("starting_after")
      // A cursor names the last item seen; items are numbered by the digits of their id.
      const offset =
        startingAfter === null
          ? Number(url.searchParams.get("offset") ?? "0")
          : Number(/\d+$/.exec(startingAfter)?.[0]) + 1
      served.push({ path, limit, offset, startingAfter, paginated: url.searchParams.get("paginated") })
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" })
        response.end(JSON.stringify(body))
      }
      if (listing === undefined) return send(404, { errors: [{ code: "resource_not_found", message: "no" }] })
      if (offset === options.hangAt) {
        Deferred.unsafeDone(hanging, Exit.void)
        response.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        return
      }
      if (offset === options.failAt)
        return send(422, {
          errors: [{ code: "form_param_invalid", message: "bad offset", long_message: "no" }]
        })
      const count = Math.max(0, Math.min(limit, listing.total - offset))
      const items = Array.from({ length: count }, (_, i) => listing.item(offset + i))
      if (offset === options.invalidAt) items.push({ id: 1 })
      const body = JSON.stringify(listing.body(items, listing.total))
      if (offset === options.breakOnceAt && served.filter((r) => r.offset === offset).length === 1) {
        response.writeHead(200, { "content-type": "application/json", "content-length": body.length })
        // Late enough that the client has the headers and half the page: the body breaks, not the request.
        response.write(body.slice(0, body.length / 2), () => setTimeout(() => request.socket.destroy(), 50))
        return
      }
      send(200, JSON.parse(body))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as AddressInfo
    const layer = ClerkClient.layer({
      secretKey: Redacted.make("sk_test_pagination"),
      apiUrl: `http://127.0.0.1:${port}/v1`
    }).pipe(Layer.provide(NodeHttpClient.layerUndici))
    return { served, hanging, closed, layer }
  })

const users = (total: number): Listing => ({ total, body: (items) => items, item: user })
const organizations = (total: number): Listing => ({
  total,
  body: (items, count) => ({ data: items, total_count: count }),
  item: organization
})
const m2mTokens = (total: number): Listing => ({
  total,
  body: (items, count) => ({ m2m_tokens: items, total_count: count }),
  item: m2mToken
})

const offsets = (served: ReadonlyArray<Served>) => served.map((request) => request.offset)

describe("Pagination.stream", () => {
  it.scoped("bare arrays: pages of the maximum size until a short page", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(1001) } })
      const ids = yield* Stream.runCollect(Users.stream()).pipe(Effect.provide(layer))
      expect([...ids].map((u) => u.id)).toEqual(Array.from({ length: 1001 }, (_, n) => `user_${n}`))
      expect(served.map((r) => r.limit)).toEqual([500, 500, 500])
      expect(offsets(served)).toEqual([0, 500, 1000])
    })
  )

  it.scoped("bare arrays: an exact multiple of the page size ends on an empty page", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(6) } })
      const items = yield* Stream.runCollect(Users.stream({}, { pageSize: 3 })).pipe(Effect.provide(layer))
      expect(items.length).toBe(6)
      expect(offsets(served)).toEqual([0, 3, 6])
      expect(served.every((r) => r.limit === 3)).toBe(true)
    })
  )

  it.scoped("{ data, total_count }: stops at the total without asking for an empty page", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/organizations": organizations(10) } })
      const orgs = yield* Stream.runCollect(Organizations.stream({}, { pageSize: 5 })).pipe(
        Effect.provide(layer)
      )
      expect([...orgs].map((o) => o.id)).toEqual(Array.from({ length: 10 }, (_, n) => `org_${n}`))
      expect(offsets(served)).toEqual([0, 5])
    })
  )

  it.scoped("{ m2m_tokens, total_count }: uses the operation's own maximum page size", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/m2m_tokens": m2mTokens(250) } })
      const tokens = yield* Stream.runCollect(
        M2m.streamTokens({ subject: "mch_2hT9sKd3LmQ8vXcR4nWzY7pBfGa" })
      ).pipe(Effect.provide(layer))
      expect(tokens.length).toBe(250)
      expect(served.map((r) => [r.limit, r.offset])).toEqual([
        [100, 0],
        [100, 100],
        [100, 200]
      ])
    })
  )

  it.scopedLive("fetches one page ahead of a slow consumer, no more", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(100) } })
      const firstTaken = yield* Deferred.make<void>()
      const fiber = yield* Users.stream({}, { pageSize: 5 }).pipe(
        Stream.tap(() => Deferred.succeed(firstTaken, undefined).pipe(Effect.zipRight(Effect.never))),
        Stream.runDrain,
        Effect.provide(layer),
        Effect.fork
      )
      yield* Deferred.await(firstTaken)
      // Let the prefetch run as far as it will; it must stop on its own.
      yield* Effect.sleep("200 millis")
      // The page being consumed and the one after it: prefetching, but one page ahead only.
      expect(offsets(served)).toEqual([0, 5])
      yield* Fiber.interrupt(fiber)
    })
  )

  it.scoped("a failing page fails the stream with the list call's own error", () =>
    Effect.gen(function* () {
      const { layer } = yield* serve({ listings: { "/users": users(20) }, failAt: 10 })
      const streamed = yield* Stream.runCollect(Users.stream({}, { pageSize: 5 })).pipe(
        Effect.flip,
        Effect.provide(layer)
      )
      const direct = yield* Users.list({ limit: 5, offset: 10 }).pipe(Effect.flip, Effect.provide(layer))
      expect(streamed._tag).toBe("ClerkUnprocessableEntity")
      expect(streamed).toStrictEqual(direct)
    })
  )

  it.scoped(
    "a page the schema rejects fails the stream after the pages before it, with the list's own error",
    () =>
      Effect.gen(function* () {
        const { layer } = yield* serve({ listings: { "/users": users(20) }, invalidAt: 10 })
        const seen: Array<string> = []
        const streamed = yield* Users.stream({}, { pageSize: 5 }).pipe(
          Stream.runForEach((user) => Effect.sync(() => seen.push(user.id))),
          Effect.flip,
          Effect.provide(layer)
        )
        const direct = yield* Users.list({ limit: 5, offset: 10 }).pipe(Effect.flip, Effect.provide(layer))
        expect(seen).toEqual(Array.from({ length: 10 }, (_, n) => `user_${n}`))
        expect(streamed._tag).toBe("ResponseValidationError")
        expect(streamed).toStrictEqual(direct)
      })
  )

  it.scopedLive("a page whose body breaks off is asked for again, and the stream goes on", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(12) }, breakOnceAt: 5 })
      const items = yield* Users.stream(
        {},
        { pageSize: 5, retry: RetryPolicy.make({ baseDelay: "1 millis" }) }
      ).pipe(Stream.runCollect, Effect.provide(layer))
      expect(Chunk.toReadonlyArray(items).map((user) => user.id)).toEqual(
        Array.from({ length: 12 }, (_, n) => `user_${n}`)
      )
      expect(offsets(served)).toEqual([0, 5, 5, 10])
    })
  )

  it.scoped("an invalid page size fails before any request", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(20) } })
      const error = yield* Stream.runDrain(Users.stream({}, { pageSize: 501 })).pipe(
        Effect.flip,
        Effect.provide(layer)
      )
      expect(error._tag).toBe("RequestValidationError")
      expect(served).toEqual([])
    })
  )

  it.scopedLive("interrupting the stream aborts the request in flight", () =>
    Effect.gen(function* () {
      const { hanging, closed, layer } = yield* serve({ listings: { "/users": users(100) }, hangAt: 5 })
      const fiber = yield* Users.stream({}, { pageSize: 5 }).pipe(
        Stream.runDrain,
        Effect.provide(layer),
        Effect.fork
      )
      yield* Deferred.await(hanging)
      yield* Fiber.interrupt(fiber)
      // The server sees the client drop the request: the socket was closed, not left waiting.
      yield* Deferred.await(closed).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "not closed" })
      )
    })
  )

  it.scopedLive(
    "call options reach every page request: a page slower than the timeout fails the stream",
    () =>
      Effect.gen(function* () {
        const { served, layer } = yield* serve({ listings: { "/users": users(100) }, hangAt: 5 })
        const error = yield* Users.stream(
          {},
          { pageSize: 5, timeout: "200 millis", retry: RetryPolicy.disabled }
        ).pipe(Stream.runDrain, Effect.flip, Effect.provide(layer))
        expect(error._tag).toBe("TimeoutException")
        // Retries disabled per call: the hanging page was asked for exactly once.
        expect(offsets(served)).toEqual([0, 5])
      })
  )
})

const invitation = (n: number) => ({
  object: "invitation",
  id: `inv_${n}`,
  email_address: `guest${n}@example.com`,
  public_metadata: {},
  status: "pending",
  created_at: n,
  updated_at: n
})

/** A list that takes `paginated`: the bare array, or `{ data, total_count }` when asked. */
const invitations = (total: number, asked: () => string | null): Listing => ({
  total,
  body: (items, count) => (asked() === "true" ? { data: items, total_count: count } : items),
  item: invitation
})

describe("lists that take paginated", () => {
  it.scoped("list({ paginated: true }) answers { data, totalCount }, typed as such", () =>
    Effect.gen(function* () {
      let asked: string | null = null
      const { served, layer } = yield* serve({ listings: { "/invitations": invitations(7, () => asked) } })
      asked = "true"
      const page = yield* Invitations.list({ paginated: true, limit: 5 }).pipe(Effect.provide(layer))
      expectTypeOf(page).toEqualTypeOf<Page<Models.Invitation>>()
      expect(page.totalCount).toBe(7)
      expect(page.data.map((item) => item.emailAddress)).toEqual(
        Array.from({ length: 5 }, (_, n) => `guest${n}@example.com`)
      )
      asked = null
      const bare = yield* Invitations.list({ limit: 5 }).pipe(Effect.provide(layer))
      expectTypeOf(bare).toEqualTypeOf<ReadonlyArray<Models.Invitation>>()
      expect(bare.map((item) => item.id)).toEqual(["inv_0", "inv_1", "inv_2", "inv_3", "inv_4"])
      expect(served.map((request) => request.paginated)).toEqual(["true", null])
    })
  )

  it.scoped("stream asks for paginated=true and stops at total_count without an empty page", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/invitations": invitations(10, () => "true") } })
      const items = yield* Stream.runCollect(Invitations.stream({}, { pageSize: 5 })).pipe(
        Effect.provide(layer)
      )
      expect([...items].map((item) => item.id)).toEqual(Array.from({ length: 10 }, (_, n) => `inv_${n}`))
      expect(served.map((request) => [request.offset, request.paginated])).toEqual([
        [0, "true"],
        [5, "true"]
      ])
    })
  )
})

describe("Users.stream walks by cursor where the ordering allows it", () => {
  it.scoped("the default ordering and the created_at orderings walk by starting_after, never by offset", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(12) } })
      for (const orderBy of [undefined, "-created_at", "+created_at", "created_at"]) {
        served.length = 0
        const params = orderBy === undefined ? {} : { orderBy }
        const ids = yield* Stream.runCollect(Users.stream(params, { pageSize: 5 })).pipe(
          Effect.provide(layer)
        )
        expect([...ids].map((u) => u.id)).toEqual(Array.from({ length: 12 }, (_, n) => `user_${n}`))
        expect(served.map((request) => request.startingAfter)).toEqual([null, "user_4", "user_9"])
        expect(served.map((request) => request.offset)).toEqual([0, 5, 10])
      }
    })
  )

  it.scoped("any other ordering walks by offset, which the cursor does not allow", () =>
    Effect.gen(function* () {
      const { served, layer } = yield* serve({ listings: { "/users": users(12) } })
      const ids = yield* Stream.runCollect(
        Users.stream({ orderBy: "-last_active_at" }, { pageSize: 5 })
      ).pipe(Effect.provide(layer))
      expect(ids.length).toBe(12)
      expect(served.map((request) => request.startingAfter)).toEqual([null, null, null])
      expect(offsets(served)).toEqual([0, 5, 10])
    })
  )
})
