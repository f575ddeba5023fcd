import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { RateLimit } from "../src/index.js"
import * as RateLimitRedis from "../src/RateLimitRedis.js"

// What a caller in plain JavaScript or a misread config can hand the layers.
const refused: ReadonlyArray<readonly [string, unknown, string]> = [
  ["no requests", { limit: 0, interval: "1 second" }, "limit"],
  ["a negative limit", { limit: -5, interval: "1 second" }, "limit"],
  ["a fraction of a request", { limit: 2.5, interval: "1 second" }, "limit"],
  ["a limit read from the environment as text", { limit: "100", interval: "10 seconds" }, "limit"],
  ["an infinite limit", { limit: Number.POSITIVE_INFINITY, interval: "1 second" }, "limit"],
  ["an interval of zero", { limit: 10, interval: 0 }, "interval"],
  ["an infinite interval", { limit: 10, interval: Duration.infinity }, "interval"],
  ["an interval that is not a duration", { limit: 10, interval: "ten seconds" }, "interval"],
  ["a negative interval", { limit: 10, interval: -1000 }, "interval"],
  ["an unknown algorithm", { limit: 10, interval: "1 second", algorithm: "leaky-bucket" }, "algorithm"]
]

describe("rate limit options", () => {
  for (const [what, options, option] of refused) {
    it.effect(`RateLimit.layer refuses ${what}, naming ${option}`, () =>
      Effect.gen(function* () {
        // @ts-expect-error: the value a plain JavaScript caller could pass
        const error = yield* Layer.build(RateLimit.layer(options)).pipe(Effect.scoped, Effect.flip)
        expect(error._tag).toBe("InvalidRateLimitOptions")
        expect(error.message).toContain(`${option}: `)
      })
    )
  }

  it.effect("RateLimitRedis.layer refuses a budget it cannot keep before it reaches Redis", () =>
    Effect.gen(function* () {
      const error = yield* Layer.build(
        RateLimitRedis.layer({
          key: "clerk-options",
          limit: 0,
          interval: "1 second",
          // A port nothing listens on: the check must answer before any connection matters.
          redis: { host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0 }
        })
      ).pipe(Effect.scoped, Effect.flip)
      expect(error._tag).toBe("InvalidRateLimitOptions")
      expect(error.message).toContain("limit: ")
    })
  )

  it.effect("a budget it can keep is read as a Duration and the default algorithm", () =>
    Effect.gen(function* () {
      expect(yield* RateLimit.checkOptions({ limit: 100, interval: 10_000 })).toEqual({
        limit: 100,
        interval: Duration.seconds(10),
        algorithm: "fixed-window"
      })
      expect(
        yield* RateLimit.checkOptions({ limit: 1, interval: "500 millis", algorithm: "token-bucket" })
      ).toEqual({ limit: 1, interval: Duration.millis(500), algorithm: "token-bucket" })
      for (const limits of Object.values(RateLimit.clerkLimits))
        expect((yield* RateLimit.checkOptions(limits)).limit).toBe(limits.limit)
    })
  )
})
