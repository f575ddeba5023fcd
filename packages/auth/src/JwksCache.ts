/**
 * The instance's signing keys, fetched from `GET /jwks` and cached per
 * `ClerkClient` with a TTL. A token signed by a key we have not seen yet (Clerk
 * rotated) triggers one refresh, shared by every request waiting on it, and at
 * most one per `refreshInterval`, so tokens with made-up `kid`s cannot make us
 * hammer the API.
 *
 * @since 0.1.0
 */
import { type ClerkClient, Jwks } from "@effect-clerk/backend"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SynchronizedRef from "effect/SynchronizedRef"
import { type CryptoKey, importJWK } from "jose"
import type { TokenVerificationError } from "./Errors.js"
import { refuse } from "./internal/jwt.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long a fetched key set is trusted. Defaults to 1 hour. */
  readonly ttl?: Duration.DurationInput | undefined
  /** The least time between two refreshes caused by an unknown `kid`. Defaults to 5 seconds. */
  readonly refreshInterval?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The RS256 key with this `kid`, refreshing the key set when it is stale or lacks it. */
  readonly getKey: (kid: string) => Effect.Effect<CryptoKey, TokenVerificationError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class JwksCache extends Context.Tag("@effect-clerk/auth/JwksCache")<JwksCache, Service>() {}

interface KeySet {
  readonly keys: ReadonlyMap<string, CryptoKey>
  readonly fetchedAt: number
}

/**
 * The members of a JWKS this cache reads; both `jose`'s `JWK` and the backend's
 * decoded `Models.JWKS` keys fit it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PublicKey {
  readonly kty: string
  readonly kid?: string | undefined
  readonly alg?: string | undefined
  readonly n?: string | undefined
  readonly e?: string | undefined
}

interface RsaKey extends PublicKey {
  readonly kid: string
}

/** Keys Clerk may publish for other algorithms are not ours to use. */
const isRsaSigningKey = (key: PublicKey): key is RsaKey =>
  key.kty === "RSA" && (key.alg === undefined || key.alg === "RS256") && key.kid !== undefined

/** A broken RSA key in the set is an error, not something to skip silently. */
const importKeys = (
  jwks: ReadonlyArray<PublicKey>
): Effect.Effect<ReadonlyMap<string, CryptoKey>, TokenVerificationError> =>
  Effect.forEach(jwks.filter(isRsaSigningKey), (jwk) =>
    Effect.tryPromise({
      try: () => importJWK({ kty: "RSA", n: jwk.n ?? "", e: jwk.e ?? "" }, "RS256"),
      catch: (cause) => refuse("JwksUnavailable", `the JWKS key ${jwk.kid} is not an RSA public key`, cause)
    }).pipe(
      Effect.flatMap((key) =>
        key instanceof Uint8Array
          ? Effect.fail(refuse("JwksUnavailable", `the JWKS key ${jwk.kid} is symmetric`))
          : Effect.succeed([jwk.kid, key] as const)
      )
    )
  ).pipe(Effect.map((entries) => new Map(entries)))

/**
 * A cache over any source of the JWKS's keys.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  fetchKeys: Effect.Effect<ReadonlyArray<PublicKey>, TokenVerificationError>,
  options: Options = {}
): Effect.Effect<Service> =>
  Effect.gen(function* () {
    const ttl = Duration.toMillis(options.ttl ?? Duration.hours(1))
    const refreshInterval = Duration.toMillis(options.refreshInterval ?? Duration.seconds(5))
    const state = yield* SynchronizedRef.make<KeySet | undefined>(undefined)
    const isFresh = (set: KeySet | undefined, now: number): set is KeySet =>
      set !== undefined && now - set.fetchedAt < ttl

    // Runs under the ref's lock: fibers queued behind a refresh see its result and do not fetch again.
    const refresh = (kid: string) =>
      SynchronizedRef.modifyEffect(state, (current) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (isFresh(current, now) && (current.keys.has(kid) || now - current.fetchedAt < refreshInterval)) {
            return Effect.succeed([current, current] as const)
          }
          return Effect.map(Effect.flatMap(fetchKeys, importKeys), (keys) => {
            const fetched: KeySet = { keys, fetchedAt: now }
            return [fetched, fetched] as const
          })
        })
      )

    const getKey = (kid: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const current = yield* SynchronizedRef.get(state)
        const cached = isFresh(current, now) ? current.keys.get(kid) : undefined
        if (cached !== undefined) return cached
        const refreshed = yield* refresh(kid)
        const key = refreshed.keys.get(kid)
        if (key === undefined)
          return yield* Effect.fail(refuse("UnknownKid", `no key ${kid} in the instance's JWKS`))
        return key
      })
    return { getKey }
  })

/**
 * The JWKS of the instance behind `ClerkClient`, via `Jwks.getJWKS()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClerkClient = (
  options: Options = {}
): Effect.Effect<Service, never, ClerkClient.ClerkClient> =>
  Effect.flatMap(Effect.context<ClerkClient.ClerkClient>(), (context) =>
    make(
      Jwks.getJWKS().pipe(
        Effect.map((jwks): ReadonlyArray<PublicKey> => jwks.keys ?? []),
        Effect.mapError((cause) => refuse("JwksUnavailable", `GET /jwks failed: ${cause._tag}`, cause)),
        Effect.provide(context)
      ),
      options
    )
  )

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<JwksCache, never, ClerkClient.ClerkClient> =>
  Layer.effect(JwksCache, fromClerkClient(options))
