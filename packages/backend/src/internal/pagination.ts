/**
 * `X.stream(params)` for Clerk's offset-paginated lists: a `Stream` of items
 * across all pages, requesting the next page while the consumer works on this one.
 * Memory stays flat: at most the page being consumed and the next one are held.
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import type { CallOptions } from "../CallOptions.js"
import type { ClerkClient } from "../ClerkClient.js"
import { type DecodeLater, decodeLater } from "./operation.js"

export interface Paged {
  readonly limit?: number | null | undefined
  readonly offset?: number | null | undefined
}

export interface PageShape<Page, A> {
  readonly items: (page: Page) => ReadonlyArray<A>
  /** Lists that report their total stop there instead of asking for an empty page. */
  readonly totalCount?: (page: Page) => number | undefined
  /** The largest `limit` the operation accepts; the default page size. */
  readonly maxPageSize: number
}

/** The per-call options (retry, timeout) apply to each page request. */
export interface StreamOptions extends CallOptions {
  /** Items per request; defaults to the operation's maximum `limit`. */
  readonly pageSize?: number
}

/** The list's params without `limit` and `offset`, optional where the list's are. */
export type StreamCall<P, A, E> =
  {} extends StreamParams<P>
    ? (params?: StreamParams<P>, options?: StreamOptions) => Stream.Stream<A, E, ClerkClient>
    : (params: StreamParams<P>, options?: StreamOptions) => Stream.Stream<A, E, ClerkClient>

type StreamParams<P> = Omit<NonNullable<P>, "limit" | "offset">

/** `P` may include `undefined`: lists whose params are all optional take `params?`. */
export const stream = <P extends Paged | undefined, Page, A, E>(
  list: (params: P, options?: CallOptions) => Effect.Effect<Page, E, ClerkClient>,
  shape: PageShape<Page, A>
): StreamCall<P, A, E> => {
  // The page ahead travels as the bytes of its answer and is decoded when the consumer reaches it.
  const fetchPage: DecodeLater<P, Page, E> =
    decodeLater<P, Page, E>(list) ?? ((params, options) => Effect.map(list(params, options), Effect.succeed))
  const pages = (params: StreamParams<P> | undefined, options: StreamOptions = {}) => {
    const { pageSize, ...callOptions } = options
    const limit = pageSize ?? shape.maxPageSize
    return Stream.unwrapScoped(
      Effect.gen(function* () {
        const scope = yield* Effect.scope
        // Forked into the stream's scope: ending or interrupting the stream
        // interrupts the request in flight, which aborts its socket.
        const request = (offset: number) =>
          Effect.forkIn(fetchPage({ ...params, limit, offset } as P, callOptions), scope)
        interface Ahead {
          readonly offset: number
          readonly page: Fiber.RuntimeFiber<Effect.Effect<Page, E>, E>
        }
        const take = ({ offset, page }: Ahead) =>
          Effect.gen(function* () {
            const body = yield* Effect.flatten(Fiber.join(page))
            const items = shape.items(body)
            const seen = offset + items.length
            const total = shape.totalCount?.(body)
            const done = items.length < limit || (total !== undefined && seen >= total)
            // The next page travels while the consumer works on this one: one page ahead, never more.
            const next = done ? undefined : { offset: seen, page: yield* request(seen) }
            return [Chunk.unsafeFromArray(items), next] as const
          })
        /**
         * A channel holds the last chunk it emitted until it emits another. The
         * empty chunk after each page lets go of the page the consumer is done
         * with; held while the next page was read and decoded, it was copied by
         * those young collections and promoted with them, which made streaming
         * 100,000 users about a third slower than a page loop in half the runs.
         */
        const emit = (
          ahead: Ahead
        ): Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown, ClerkClient> =>
          Channel.flatMap(Channel.fromEffect(take(ahead)), ([items, next]) =>
            next === undefined
              ? Channel.write(items)
              : Channel.write(items).pipe(
                  Channel.zipRight(Channel.write(Chunk.empty<A>())),
                  Channel.zipRight(emit(next))
                )
          )
        return Stream.fromChannel(emit({ offset: 0, page: yield* request(0) }))
      })
    )
  }
  return pages as StreamCall<P, A, E>
}
