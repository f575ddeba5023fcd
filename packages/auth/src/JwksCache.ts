/**
 * The instance's signing keys, fetched from `GET /jwks` and cached per
 * `ClerkClient`.
 *
 * - A key whose set is younger than `ttl` is used as is.
 * - Past the TTL, a cached key is still used at once while one refresh runs in
 *   the background; if refreshes keep failing or stalling, the old keys serve for
 *   `staleWhileRevalidate` more, then verification waits for a refresh (at most
 *   `timeout`). So a JWKS outage never delays a token whose key we know.
 * - A token signed by a key we have not seen (Clerk rotated) triggers one
 *   refresh, shared by every request waiting on it, and at most one per
 *   `refreshInterval`, so tokens with made-up `kid`s cannot make us hammer the
 *   API; a refresh that failed is not retried within that interval either.
 * - Only RSA keys for RS256 published for signatures (`use: "sig"`) are used.
 *
 * @since 0.1.0
 */
import { type ClerkClient, Jwks } from "@effect-clerk/backend"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
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
  /** The least time between two refreshes caused by an unknown `kid` or after a failure. Defaults to 5 seconds. */
  readonly refreshInterval?: Duration.DurationInput | undefined
  /** How long one fetch of the JWKS may take. Defaults to 3 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long past the TTL cached keys keep serving while refreshes fail. Defaults to 1 hour. */
  readonly staleWhileRevalidate?: Duration.DurationInput | undefined
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
  /** Keys the set publishes for something other than signatures: named so a token using one gets its own reason. */
  readonly notForSigning: ReadonlySet<string>
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
  readonly use?: string | undefined
  readonly n?: string | undefined
  readonly e?: string | undefined
}

interface RsaKey extends PublicKey {
  readonly kid: string
}

/** Keys Clerk may publish for other algorithms are not ours to use. */
const isRs256Key = (key: PublicKey): key is RsaKey =>
  key.kty === "RSA" && (key.alg === undefined || key.alg === "RS256") && key.kid !== undefined

/** A broken RSA signing key in the set is an error, not something to skip silently. */
const importKeys = (
  jwks: ReadonlyArray<PublicKey>,
  now: number
): Effect.Effect<KeySet, TokenVerificationError> => {
  const rsa = jwks.filter(isRs256Key)
  const notForSigning = new Set(rsa.filter((jwk) => jwk.use !== "sig").map((jwk) => jwk.kid))
  return Effect.forEach(
    rsa.filter((jwk) => jwk.use === "sig"),
    (jwk) =>
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
  ).pipe(Effect.map((entries) => ({ keys: new Map(entries), notForSigning, fetchedAt: now })))
}

interface Attempt {
  readonly at: number
  /** Why the attempt failed; `undefined` when it succeeded. */
  readonly error: TokenVerificationError | undefined
}

/**
 * A cache over any source of the JWKS's keys. Background refreshes run in the
 * scope, so closing it stops them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  fetchKeys: Effect.Effect<ReadonlyArray<PublicKey>, TokenVerificationError>,
  options: Options = {}
): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ttl = Duration.toMillis(options.ttl ?? Duration.hours(1))
    const refreshInterval = Duration.toMillis(options.refreshInterval ?? Duration.seconds(5))
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    const grace = Duration.toMillis(options.staleWhileRevalidate ?? Duration.hours(1))
    const scope = yield* Effect.scope
    // Read without a lock: a verification whose key is cached never queues behind a refresh.
    const state = yield* Ref.make<KeySet | undefined>(undefined)
    const lastAttempt = yield* Ref.make<Attempt | undefined>(undefined)
    const refreshing = yield* Ref.make(false)
    const lock = yield* Effect.makeSemaphore(1)

    const fetchSet = (now: number) =>
      fetchKeys.pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            refuse("JwksUnavailable", `the JWKS did not answer within ${Duration.format(timeout)}`)
        }),
        Effect.flatMap((jwks) => importKeys(jwks, now)),
        Effect.tap((set) => Ref.set(state, set)),
        Effect.onExit((exit) =>
          Ref.set(lastAttempt, {
            at: now,
            error: exit._tag === "Failure" ? failureOf(exit.cause) : undefined
          })
        )
      )

    /**
     * One refresh at a time; a fiber that waited for another's sees its result.
     * `needed` decides again under the lock, with what is cached then.
     */
    const refresh = (needed: (set: KeySet | undefined, now: number) => boolean) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const current = yield* Ref.get(state)
          if (!needed(current, now)) return current
          const attempt = yield* Ref.get(lastAttempt)
          if (attempt?.error !== undefined && now - attempt.at < refreshInterval) {
            return yield* Effect.fail(attempt.error)
          }
          return yield* fetchSet(now)
        })
      )

    const revalidateInBackground = (now: number) =>
      Effect.gen(function* () {
        const attempt = yield* Ref.get(lastAttempt)
        if (attempt !== undefined && now - attempt.at < refreshInterval) return
        if (yield* Ref.getAndSet(refreshing, true)) return
        yield* refresh((set, at) => set === undefined || at - set.fetchedAt >= ttl).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning("JWKS refresh failed; serving the cached keys", error.message)
          ),
          Effect.ensuring(Ref.set(refreshing, false)),
          Effect.forkIn(scope)
        )
      })

    const lookUp = (
      set: KeySet | undefined,
      kid: string
    ): Effect.Effect<CryptoKey, TokenVerificationError> => {
      const key = set?.keys.get(kid)
      if (key !== undefined) return Effect.succeed(key)
      if (set?.notForSigning.has(kid)) {
        return Effect.fail(refuse("KeyNotForSigning", `the JWKS key ${kid} is not published for signatures`))
      }
      return Effect.fail(refuse("UnknownKid", `no key ${kid} in the instance's JWKS`))
    }

    const getKey = (kid: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const current = yield* Ref.get(state)
        if (current !== undefined && (current.keys.has(kid) || current.notForSigning.has(kid))) {
          const age = now - current.fetchedAt
          if (age < ttl) return yield* lookUp(current, kid)
          if (age < ttl + grace) {
            yield* revalidateInBackground(now)
            return yield* lookUp(current, kid)
          }
        }
        const refreshed = yield* refresh(
          (set, at) =>
            set === undefined ||
            at - set.fetchedAt >= ttl ||
            (!set.keys.has(kid) && !set.notForSigning.has(kid) && at - set.fetchedAt >= refreshInterval)
        )
        return yield* lookUp(refreshed, kid)
      })
    return { getKey }
  })

const failureOf = (cause: Cause.Cause<TokenVerificationError>): TokenVerificationError =>
  Option.getOrElse(Cause.failureOption(cause), () =>
    refuse("JwksUnavailable", "the JWKS fetch was interrupted")
  )

/**
 * How long one fetch of the JWKS may take by default: short, because a request
 * with an unknown key waits for it.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(3)

/**
 * The JWKS of the instance behind `ClerkClient`, via `Jwks.getJWKS()`, each
 * attempt bounded by the cache's `timeout` rather than the client's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClerkClient = (
  options: Options = {}
): Effect.Effect<Service, never, ClerkClient.ClerkClient | Scope.Scope> =>
  Effect.flatMap(Effect.context<ClerkClient.ClerkClient>(), (context) =>
    make(
      Jwks.getJWKS({}, { timeout: options.timeout ?? defaultTimeout }).pipe(
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
  Layer.scoped(JwksCache, fromClerkClient(options))
