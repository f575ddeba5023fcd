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
import * as Either from "effect/Either"
import type { CallOptions } from "../CallOptions.js"
import type { ClerkClient } from "../ClerkClient.js"
import type { OperationError } from "../Errors.js"
import { readAhead } from "./attempt.js"
import * as Decode from "./fastDecode.js"
import { required } from "./fields.js"
import { type Operation, type Settle, run } from "./operation.js"
import { fastDecoder } from "./responseDecoder.js"
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
): Schema.Schema<Page<A>, PageWire<I>> => {
  // Found on first use: the list's decoder, like any response's (`responseDecoder.ts`).
  let decodeData: ((input: unknown) => unknown) | undefined
  return Decode.withFastDecode(
    Schema.Struct({ data: list, totalCount: required(Schema.Number, "total_count") }),
    (input) => {
      if (!Decode.isRecord(input)) return Decode.reject()
      decodeData ??= fastDecoder(list.ast) ?? Decode.reject
      return { data: decodeData(input.data), totalCount: Decode.number(input.total_count) }
    }
  )
}

interface PageWire<I> {
  readonly data: ReadonlyArray<I>
  readonly total_count: number
}

export interface Paged {
  readonly limit?: number | null | undefined
  readonly offset?: number | null | undefined
}

/**
 * How a list's pages are walked, in the keys of its decoded page; the
 * operation's definition says how each page is fetched.
 */
export interface PageShape<K extends string = never, T extends string = never> {
  /** The key of the items in a page that is an object; a page that is an array is its items. */
  readonly items?: K
  /** The key of the total: lists that report it stop there instead of asking for an empty page. */
  readonly total?: T
  /** The largest `limit` the operation accepts; the default page size. */
  readonly maxPageSize: number
  /**
   * The list takes `starting_after`, the id of the last item of the previous page;
   * `allowed` tells, from the caller's params, whether their ordering permits it.
   */
  readonly cursor?: {
    readonly allowed: (params: { readonly [key: string]: unknown }) => boolean
  }
}

/** Every page is asked for with `paginated: true`, so it reports the total and the walk stops there. */
interface WalkShape extends PageShape<string, string> {
  readonly paginated?: true
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
export const createdAtCursor: NonNullable<PageShape["cursor"]> = {
  allowed: (params) => params.orderBy === undefined || /^[+-]?created_at$/.test(String(params.orderBy))
}

/** The items of a page whose items sit under `K`. */
type ItemOf<Page, K extends keyof Page> = Page[K] extends ReadonlyArray<infer A> ? A : never

/**
 * The stream of a list whose page is an array, or an object with its items under `shape.items`.
 * `P` may include `undefined`: lists whose params are all optional take `params?`.
 */
export function stream<P extends Paged | undefined, A>(
  operation: Operation<P, ReadonlyArray<A>>,
  shape: PageShape
): StreamCall<P, A, OperationError>
export function stream<
  P extends Paged | undefined,
  Page,
  K extends keyof Page & string,
  T extends { [Key in keyof Page]: Page[Key] extends number ? Key : never }[keyof Page] & string = never
>(
  operation: Operation<P, Page>,
  shape: PageShape<K, T> & { readonly items: K }
): StreamCall<P, ItemOf<Page, K>, OperationError>
export function stream<P extends Paged | undefined>(
  operation: Operation<P, unknown>,
  shape: PageShape<string, string>
): StreamCall<P, unknown, OperationError> {
  return walk(operation, shape)
}

/** The stream of a list that takes `paginated`: it asks for `{ data, total_count }` pages and stops at the total. */
export const streamPaginated = <P extends Paged | undefined, A>(
  operation: Operation<P, ReadonlyArray<A>, Page<A>>,
  shape: { readonly maxPageSize: number }
): StreamCall<P, A, OperationError> =>
  walk<P, A>(operation, { ...shape, items: "data", total: "totalCount", paginated: true })

/**
 * A page fetched ahead of the consumer waits as the bytes of its answer, and is
 * parsed and decoded when the consumer reaches it, so one decoded page is alive
 * at a time (two doubled the GC time of streaming). A broken body is parsed at
 * once: its failure decides whether the request is repeated.
 */
const decodeLater: Settle<unknown, Effect.Effect<Parsed<unknown, OperationError>, OperationError>> = (
  parse,
  answer
) =>
  answer.broken
    ? Either.map(parse(answer), Effect.succeed)
    : Either.right(Effect.suspend(() => parse(answer)))

const walk = <P extends Paged | undefined, A>(
  operation: Operation<P, unknown, unknown>,
  shape: WalkShape
): StreamCall<P, A, OperationError> => {
  const fetchPage = (params: P, options: CallOptions) =>
    run(operation, params, options, decodeLater, readAhead)
  /** The items of a decoded page, its total, and the last item's id. */
  const read = (page: unknown) => {
    const record = (page ?? {}) as { readonly [key: string]: unknown }
    const items = (shape.items === undefined ? page : record[shape.items]) as ReadonlyArray<A>
    const total = shape.total === undefined ? undefined : record[shape.total]
    const last: unknown = items[items.length - 1]
    return {
      items,
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
          readonly page: Fiber.RuntimeFiber<
            Effect.Effect<Parsed<unknown, OperationError>, OperationError>,
            OperationError
          >
        }
        const take = ({ offset, page }: Ahead) =>
          Effect.gen(function* () {
            const parsed = yield* Effect.flatten(Fiber.join(page))
            const { items, total, lastId } = read(yield* parsed.decode())
            const seen = offset + items.length
            const done =
              items.length < limit ||
              (total !== undefined && seen >= total) ||
              (byCursor && lastId === undefined)
            // The next page travels while this one is consumed: one page ahead, never more.
            const next = done
              ? undefined
              : { offset: seen, page: yield* request({ offset: seen, after: lastId }) }
            return [Chunk.unsafeFromArray(items), next] as const
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
        ): Channel.Channel<Chunk.Chunk<A>, unknown, OperationError, unknown, void, unknown, ClerkClient> =>
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
  return pages as StreamCall<P, A, OperationError>
}
