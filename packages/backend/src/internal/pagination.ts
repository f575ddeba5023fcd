/**
 * `X.stream(params)` for Clerk's lists: a `Stream` of items across all pages,
 * requesting the next page while the consumer works on this one. Memory stays
 * flat: at most the page being consumed and the next one are held.
 *
 * A list walks by the `starting_after` cursor where the API offers one and the
 * ordering allows it, by offset otherwise. An offset walk over a list that
 * changes meanwhile shifts its pages (an item created during the walk pushes one
 * already seen onto the next page, a deleted one pulls an unseen one back), and a
 * deep offset gets slower on Clerk's side until it times out; a cursor page costs
 * the same wherever it sits and never repeats or skips an item that existed when
 * the walk began.
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { CallOptions } from "../CallOptions.js"
import type { ClerkClient } from "../ClerkClient.js"
import { withCompiledDecode } from "./compiledDecoder.js"
import { required } from "./fields.js"
import { type DecodeLater, type PaginatedCall, decodeLater } from "./operation.js"
import type { Parsed } from "./response.js"

/**
 * What a list that takes `paginated` answers to `paginated: true`: one page of
 * items and the number of items in the whole list.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly totalCount: number
}

/**
 * The Schema of `Page<A>` (`total_count` on the wire), from the Schema of the
 * bare list the spec shows.
 */
export const page = <A, I>(
  list: Schema.Schema<ReadonlyArray<A>, ReadonlyArray<I>>
): Schema.Schema<Page<A>, PageWire<I>> =>
  withCompiledDecode(Schema.Struct({ data: list, totalCount: required(Schema.Number, "total_count") }))

interface PageWire<I> {
  readonly data: ReadonlyArray<I>
  readonly total_count: number
}

export interface Paged {
  readonly limit?: number | null | undefined
  readonly offset?: number | null | undefined
}

export interface PageShape<Page, A> {
  /** The items of a decoded page. */
  readonly items: (page: Page) => ReadonlyArray<A>
  /** The wire key of the items, for pages that are an object; a bare-array page is its items. */
  readonly itemsKey?: string
  /** The wire key of the total: lists that report it stop there instead of asking for an empty page. */
  readonly totalCountKey?: string
  /** The largest `limit` the operation accepts; the default page size. */
  readonly maxPageSize: number
  /** Every page is asked for with `paginated: true`, so it reports the total and the walk stops there. */
  readonly paginated?: true
  /**
   * The list takes `starting_after`, the id of the last item of the previous page;
   * `allowed` tells, from the caller's params, whether their ordering permits it.
   */
  readonly cursor?: {
    readonly allowed: (params: { readonly [key: string]: unknown }) => boolean
  }
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

export type StreamParams<P> = Omit<NonNullable<P>, "limit" | "offset" | "paginated" | "startingAfter">

/**
 * The walk by `starting_after`: only in the `created_at` ordering (the default),
 * the one whose values are unique and never change, as the API requires.
 */
export const createdAtCursor: NonNullable<PageShape<unknown, unknown>["cursor"]> = {
  allowed: (params) => params.orderBy === undefined || /^[+-]?created_at$/.test(String(params.orderBy))
}

/** `P` may include `undefined`: lists whose params are all optional take `params?`. */
export const stream = <P extends Paged | undefined, Page, A, E>(
  list: (params: P, options?: CallOptions) => Effect.Effect<Page, E, ClerkClient>,
  shape: PageShape<Page, A>
): StreamCall<P, A, E> => walk(list, shape)

/** The stream of a list that takes `paginated`: it asks for `{ data, total_count }` pages and stops at the total. */
export const streamPaginated = <P extends Paged | undefined, A, E>(
  list: PaginatedCall<P, ReadonlyArray<A>, Page<A>, E>,
  shape: { readonly maxPageSize: number }
): StreamCall<P, A, E> =>
  walk<P, Page<A>, A, E>(list, {
    items: (page) => page.data,
    itemsKey: "data",
    totalCountKey: "total_count",
    maxPageSize: shape.maxPageSize,
    paginated: true
  })

const walk = <P extends Paged | undefined, Page, A, E>(
  list: object,
  shape: PageShape<Page, A>
): StreamCall<P, A, E> => {
  // The page ahead travels as the bytes of its answer and is decoded when the consumer reaches it.
  const fetchPage: DecodeLater<P, Page, E> | undefined = decodeLater<P, Page, E>(list)
  if (fetchPage === undefined) throw new Error("Pagination.stream takes an operation made by Operation.make")
  /** The number of items, the total and the last item's id, read from the parsed page before it is decoded. */
  const onWire = (json: unknown) => {
    const page =
      shape.itemsKey === undefined ? json : Predicate.isRecord(json) ? json[shape.itemsKey] : undefined
    const total =
      shape.totalCountKey !== undefined && Predicate.isRecord(json) ? json[shape.totalCountKey] : undefined
    // A page that is not a list fails to decode: no next page is asked for.
    const items: ReadonlyArray<unknown> = Array.isArray(page) ? page : []
    const last = items[items.length - 1]
    return {
      count: items.length,
      total: typeof total === "number" ? total : undefined,
      lastId: Predicate.isRecord(last) && typeof last.id === "string" ? last.id : undefined
    }
  }
  const pages = (params: StreamParams<P> | undefined, options: StreamOptions = {}) => {
    const { pageSize, ...callOptions } = options
    const limit = pageSize ?? shape.maxPageSize
    const byCursor = shape.cursor?.allowed(params ?? {}) === true
    const fixed = shape.paginated ? { ...params, limit, paginated: true } : { ...params, limit }
    /** Where a page starts: the items seen so far and, on a cursor walk, the last one's id. */
    interface Position {
      readonly offset: number
      readonly after: string | undefined
    }
    const paramsAt = ({ offset, after }: Position) =>
      (byCursor
        ? after === undefined
          ? fixed
          : { ...fixed, startingAfter: after }
        : { ...fixed, offset }) as P
    return Stream.unwrapScoped(
      Effect.gen(function* () {
        const scope = yield* Effect.scope
        // Forked into the stream's scope: ending or interrupting the stream
        // interrupts the request in flight, which aborts its socket.
        const request = (position: Position) =>
          Effect.forkIn(fetchPage(paramsAt(position), callOptions), scope)
        interface Ahead {
          readonly offset: number
          readonly page: Fiber.RuntimeFiber<Effect.Effect<Parsed<Page, E>, E>, E>
        }
        const take = ({ offset, page }: Ahead) =>
          Effect.gen(function* () {
            const parsed = yield* Effect.flatten(Fiber.join(page))
            const { count, total, lastId } = onWire(parsed.json)
            const seen = offset + count
            // A cursor page whose last item has no id fails to decode below; no next page is asked for.
            const done =
              count < limit || (total !== undefined && seen >= total) || (byCursor && lastId === undefined)
            // The next page travels while this one is decoded and consumed: one page ahead, never more.
            const next = done
              ? undefined
              : { offset: seen, page: yield* request({ offset: seen, after: lastId }) }
            const body = yield* parsed.decode()
            return [Chunk.unsafeFromArray(shape.items(body)), next] as const
          })
        /**
         * A channel holds the last chunk it emitted until it emits another. The
         * empty chunk after each page lets go of the page the consumer is done
         * with; held while the next page was read and decoded, it was copied by
         * those young collections and promoted with them, which made a long
         * stream markedly slower than a page loop in many runs.
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
        return Stream.fromChannel(emit({ offset: 0, page: yield* request({ offset: 0, after: undefined }) }))
      })
    )
  }
  return pages as StreamCall<P, A, E>
}
