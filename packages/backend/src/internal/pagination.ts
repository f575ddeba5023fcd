/**
 * `X.stream(params)` for Clerk's offset-paginated lists: a `Stream` of items
 * across all pages, requesting the next page while the consumer works on this one.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ClerkClient } from "../ClerkClient.js"

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

export interface StreamOptions {
  /** Items per request; defaults to the operation's maximum `limit`. */
  readonly pageSize?: number
}

/** The list's params without `limit` and `offset`, optional where the list's are. */
export type StreamCall<P, A, E> = {} extends StreamParams<P>
  ? (params?: StreamParams<P>, options?: StreamOptions) => Stream.Stream<A, E, ClerkClient>
  : (params: StreamParams<P>, options?: StreamOptions) => Stream.Stream<A, E, ClerkClient>

type StreamParams<P> = Omit<NonNullable<P>, "limit" | "offset">

/** `P` may include `undefined`: lists whose params are all optional take `params?`. */
export const stream = <P extends Paged | undefined, Page, A, E>(
  list: (params: P) => Effect.Effect<Page, E, ClerkClient>,
  shape: PageShape<Page, A>
): StreamCall<P, A, E> => {
  const pages = (params: StreamParams<P> | undefined, options?: StreamOptions) => {
    const limit = options?.pageSize ?? shape.maxPageSize
    return Stream.paginateChunkEffect(0, (offset) =>
      Effect.map(list({ ...params, limit, offset } as P), (page) => {
        const items = shape.items(page)
        const seen = offset + items.length
        const total = shape.totalCount?.(page)
        const done = items.length < limit || (total !== undefined && seen >= total)
        return [Chunk.unsafeFromArray(items), done ? Option.none() : Option.some(seen)] as const
      })
    ).pipe(Stream.bufferChunks({ capacity: 1 }))
  }
  return pages as StreamCall<P, A, E>
}
