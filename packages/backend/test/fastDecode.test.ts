import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Models from "../src/generated/Models.js"
import * as Backend from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"
import * as Decode from "../src/internal/fastDecode.js"
import { page } from "../src/internal/pagination.js"
import { fastDecoder, parseJsonFor } from "../src/internal/responseDecoder.js"

const models = Object.entries(Models).flatMap(([name, value]) =>
  Schema.isSchema(value) ? [[name, value as Schema.Schema<unknown, unknown>] as const] : []
)

/** The response schemas an operation module declares inline, each with its generated decoder. */
const inlineResponses = Object.entries(Backend).flatMap(([namespace, module]) =>
  namespace === "Models" || !Predicate.isRecord(module)
    ? []
    : Object.entries(module).flatMap(([name, value]) =>
        Schema.isSchema(value) && Decode.carried(value.ast) !== undefined
          ? [[`${namespace}.${name}`, value as Schema.Schema<unknown, unknown>] as const]
          : []
      )
)

/** The key order of every object in a value, so "equal" also means "same order". */
const shape = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(shape)
    : typeof value === "object" && value !== null
      ? Reflect.ownKeys(value).map((key) => [String(key), shape(Reflect.get(value, key))])
      : typeof value

/**
 * The generated decoder a schema carries (directly, or in the items of a list),
 * called as a response is decoded: `None` where it rejects the input.
 */
const generatedDecoder = (
  schema: Schema.Schema.Any
): ((input: unknown) => Option.Option<unknown>) | undefined => {
  const decode = fastDecoder(schema.ast)
  if (decode === undefined) return undefined
  const invalid = Symbol("invalid")
  return (input) => {
    const value = Decode.attempt(input, decode, invalid)
    return value === invalid ? Option.none() : Option.some(value)
  }
}

/**
 * Whether the generated decoder takes exactly Schema's decision on an input
 * and builds exactly Schema's value. The decoders are made once per schema,
 * as an operation makes them.
 */
const agreement = <A, I>(schema: Schema.Schema<A, I>) => {
  const schemaDecode = Schema.decodeUnknownEither(schema)
  const decode = generatedDecoder(schema)
  if (decode === undefined) throw new Error("no generated decoder")
  return (input: unknown) => {
    const expected = schemaDecode(input)
    const actual = decode(input)
    expect(Option.isSome(actual)).toBe(Either.isRight(expected))
    if (Option.isSome(actual) && Either.isRight(expected)) {
      expect(actual.value).toStrictEqual(expected.right)
      expect(shape(actual.value)).toStrictEqual(shape(expected.right))
    }
    return Either.isRight(expected)
  }
}

const agrees = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => agreement(schema)(input)

/** A model's property runs at the size of a user's (about 18 KB of JSON per value). */
const budgetChars = 20_000

/**
 * `runs` scaled down for a model whose values are much larger than a user's:
 * each of them already nests many objects (a page of billing statements is
 * about 280 KB), so fewer of them check as much while costing what a user does.
 */
const runsFor = (arbitrary: FastCheck.Arbitrary<unknown>, runs: number) => {
  const sizes = FastCheck.sample(arbitrary, { numRuns: 5, seed: 1 }).map(
    (value) => JSON.stringify(value)?.length ?? 0
  )
  const chars = sizes.reduce((sum, size) => sum + size, 0) / sizes.length
  return Math.max(3, Math.min(runs, Math.round((runs * budgetChars) / chars)))
}

type Path = ReadonlyArray<string | number>

const pathsOf = (value: unknown, path: Path = []): Array<Path> => {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, i) => pathsOf(item, [...path, i]))]
  if (typeof value === "object" && value !== null)
    return [path, ...Object.keys(value).flatMap((key) => pathsOf(Reflect.get(value, key), [...path, key]))]
  return [path]
}

const wrongType = (value: unknown): unknown =>
  typeof value === "string"
    ? 1
    : typeof value === "number"
      ? "1"
      : typeof value === "boolean"
        ? "true"
        : Array.isArray(value)
          ? {}
          : value === null
            ? 0
            : typeof value === "object"
              ? []
              : "x"

const mutations = ["drop", "null", "wrongType", "undefined", "unknownTag"] as const
type Mutation = (typeof mutations)[number]

/** Applies one mutation at `path` of a copy of `input`. */
const mutate = (input: unknown, path: Path, mutation: Mutation): unknown => {
  const root = { value: structuredClone(input) }
  const full: Path = ["value", ...path]
  let parent: unknown = root
  for (const key of full.slice(0, -1)) parent = Reflect.get(parent as object, key)
  const container = parent as Record<string | number, unknown>
  const key = full[full.length - 1]!
  const current = container[key]
  switch (mutation) {
    case "drop":
      if (Array.isArray(container)) container.splice(Number(key), 1)
      else delete container[key]
      break
    case "null":
      container[key] = null
      break
    case "wrongType":
      container[key] = wrongType(current)
      break
    case "undefined":
      container[key] = undefined
      break
    case "unknownTag":
      if (typeof current === "object" && current !== null && !Array.isArray(current))
        Reflect.set(current, "object", "not_a_known_object")
      else container[key] = wrongType(current)
  }
  return root.value
}

type Retag = "keep" | "drop" | "unknown"

/**
 * A copy of `input` where each `object` tag, in turn, is kept, dropped or made
 * one no version knows (`choices` repeated; none: all dropped), as older
 * responses, webhook payloads and later API versions send them.
 */
const retag = (input: unknown, choices: ReadonlyArray<Retag>): unknown => {
  let i = 0
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk)
    if (typeof value !== "object" || value === null) return value
    const copy = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]))
    if (Object.hasOwn(copy, "object")) {
      const choice = choices.length === 0 ? "drop" : choices[i++ % choices.length]!
      if (choice === "drop") delete copy.object
      else if (choice === "unknown") copy.object = `${String(copy.object)}_from_the_future`
    }
    return copy
  }
  return walk(input)
}

/** A discriminated union's generic variant (`unknownVariant`), which decodes any object. */
const isGenericVariant = (schema: Schema.Schema.Any) =>
  Option.exists(AST.getIdentifierAnnotation(AST.encodedAST(schema.ast)), (id) =>
    id.startsWith("UnknownVariant(")
  )

describe("generated decoders", () => {
  it("covers every model of Models.ts", () => {
    expect(models.length).toBeGreaterThan(150)
  })

  it("covers every response schema an operation module declares", () => {
    expect(inlineResponses.length).toBeGreaterThan(30)
    expect(inlineResponses.map(([name]) => name)).toContain("M2m.MachineToMachineToken")
  })

  it("has a generated decoder for every model but the generic variants, which carry their own", () => {
    const withoutDecoder = models.filter(([, schema]) => generatedDecoder(schema) === undefined)
    expect(withoutDecoder.filter(([, schema]) => !isGenericVariant(schema))).toStrictEqual([])
    expect(generatedDecoder(Models.User)).toBeDefined()
    expect(generatedDecoder(Models.SessionActivityResponse)).toBeDefined()
  })

  /** What lists that take `paginated` answer: the page's decoder composes the list's. */
  const pages: ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>]> = [
    [
      "Pagination.page(Schema.Array(User))",
      page(Schema.Array(Models.User)) as Schema.Schema<unknown, unknown>
    ],
    ["Pagination.page(OAuthAccessToken)", page(Models.OAuthAccessToken) as Schema.Schema<unknown, unknown>]
  ]

  for (const [name, schema] of [...models, ...inlineResponses, ...pages]) {
    // A generic variant is decoded within its union (`decodeUnknownVariant`), checked there.
    if (isGenericVariant(schema)) continue
    const encoded = Arbitrary.make(Schema.encodedSchema(schema))
    const check = agreement(schema)

    it.effect(`${name}: decodes valid wire values like Schema`, () =>
      Effect.sync(() =>
        FastCheck.assert(
          FastCheck.property(encoded, (input) => {
            expect(check(input)).toBe(true)
          }),
          { numRuns: runsFor(encoded, 20) }
        )
      )
    )

    it.effect(`${name}: accepts and rejects mutated values like Schema`, () =>
      Effect.sync(() => {
        let rejected = 0
        FastCheck.assert(
          FastCheck.property(
            encoded,
            FastCheck.array(FastCheck.nat(), { minLength: mutations.length, maxLength: mutations.length }),
            (input, ns) => {
              // Every mutation on each value, each at a path of its own: the value is made once for five checks.
              const paths = pathsOf(input)
              mutations.forEach((mutation, i) => {
                if (!check(mutate(input, paths[ns[i]! % paths.length]!, mutation))) rejected++
              })
            }
          ),
          { numRuns: runsFor(encoded, 6) }
        )
        // Mutations that still decode exist (dropping an optional key); most must not.
        if (!isGenericVariant(schema)) expect(rejected).toBeGreaterThan(0)
      })
    )

    it.effect(`${name}: decodes values with missing and unknown \`object\` tags like Schema`, () =>
      Effect.sync(() =>
        FastCheck.assert(
          FastCheck.property(
            encoded,
            FastCheck.array(FastCheck.constantFrom<Retag>("keep", "drop", "unknown"), {
              maxLength: 4
            }),
            (input, choices) => {
              const retagged = retag(input, choices)
              // Where nothing changed, "decodes valid wire values" has checked it already.
              if (JSON.stringify(retagged) !== JSON.stringify(input)) check(retagged)
            }
          ),
          { numRuns: runsFor(encoded, 10) }
        )
      )
    )
  }

  it.effect("decodes a list of users, the hot path, like Schema", () =>
    Effect.sync(() => {
      const Users = Schema.Array(Models.User)
      const check = agreement(Users)
      FastCheck.assert(
        FastCheck.property(Arbitrary.make(Schema.encodedSchema(Users)), (input) => {
          expect(check(input)).toBe(true)
        }),
        { numRuns: 20 }
      )
    })
  )

  it.effect(
    "picks a union member by its discriminator, else decodes the generic variant's known fields",
    () =>
      Effect.sync(() => {
        const unions = models.filter(([, schema]) => AST.isUnion(AST.encodedAST(schema.ast)))
        expect(unions.length).toBeGreaterThan(0)
        for (const [, schema] of unions) {
          // Whatever the union decides (a generic variant takes it), the generated decoder decides the same.
          agrees(schema, { object: "a_kind_from_the_future", x: 1 })
          expect(agrees(schema, [])).toBe(false)
          agrees(schema, null)
        }
      })
  )
})

describe("decoding a response body", () => {
  /** Parses then decodes, as an operation does. */
  const decodeJson =
    <A, I>(schema: Schema.Schema<A, I>) =>
    (text: string) => {
      const parsed = parseJsonFor(schema)(text)
      return parsed._tag === "Parsed" ? parsed.decode() : parsed
    }

  const Users = Schema.Array(Models.User)
  const users = [
    FakeClerk.user({ id: "user_1" }),
    FakeClerk.user({ id: "user_2" }),
    FakeClerk.user({ id: "user_3" })
  ]

  it.effect("decodes a page of users to Schema's value", () =>
    Effect.sync(() => {
      const text = JSON.stringify(users)
      const decoded = decodeJson(Users)(text)
      expect(decoded).toStrictEqual({
        _tag: "Decoded",
        value: Either.getOrThrow(Schema.decodeUnknownEither(Users)(JSON.parse(text)))
      })
    })
  )

  it.effect(
    "rejects with Schema's error and the body as sent, though the page was let go of item by item",
    () =>
      Effect.sync(() => {
        const text = JSON.stringify([...users, { ...FakeClerk.user({ id: "user_4" }), banned: "no" }])
        const decoded = decodeJson(Users)(text)
        expect(decoded._tag).toBe("Invalid")
        if (decoded._tag !== "Invalid") return
        expect(decoded.json).toStrictEqual(JSON.parse(text))
        const expected = Schema.decodeUnknownEither(Users)(JSON.parse(text))
        expect(Either.isLeft(expected) && String(expected.left)).toBe(
          String(ParseResult.parseError(decoded.issue))
        )
      })
  )

  it.effect("tells a body that is not JSON", () =>
    Effect.sync(() => {
      expect(decodeJson(Users)("<html>502</html>")).toStrictEqual({ _tag: "NotJson" })
      expect(decodeJson(Models.User)(JSON.stringify(users[0]))._tag).toBe("Decoded")
    })
  )

  it.effect(
    "an inline response schema decodes through its generated decoder, and Schema explains a rejection",
    () =>
      Effect.sync(() => {
        const Verified = Backend.Users.VerifyTotpResponse
        const decode = generatedDecoder(Verified)
        if (decode === undefined) throw new Error("VerifyTotpResponse carries no decoder")
        const wire = { verified: true, code_type: "totp" }
        expect(decode(wire)).toStrictEqual(Option.some({ verified: true, codeType: "totp" }))
        expect(decode({ verified: "yes", code_type: "totp" })).toStrictEqual(Option.none())
        expect(decodeJson(Verified)(JSON.stringify(wire))).toStrictEqual({
          _tag: "Decoded",
          value: { verified: true, codeType: "totp" }
        })
        const invalid = decodeJson(Verified)(JSON.stringify({ verified: 1 }))
        const expected = Schema.decodeUnknownEither(Verified)({ verified: 1 })
        expect(invalid._tag).toBe("Invalid")
        expect(invalid._tag === "Invalid" && String(ParseResult.parseError(invalid.issue))).toBe(
          Either.isLeft(expected) && String(expected.left)
        )
      })
  )
})
