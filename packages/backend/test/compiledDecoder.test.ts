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
import {
  parseJsonFor,
  decodeUnknownEither,
  FastDecodeAnnotationId,
  fastPath,
  withCompiledDecode
} from "../src/internal/compiledDecoder.js"
import {
  JsonObject,
  nullable,
  openEnum,
  optional,
  required,
  unknownVariant,
  variantField
} from "../src/internal/fields.js"

const models = Object.entries(Models).flatMap(([name, value]) =>
  Schema.isSchema(value) ? [[name, value as Schema.Schema<unknown, unknown>] as const] : []
)

/**
 * The response schemas an operation module declares inline (`withCompiledDecode`):
 * they have no generated decoder, so the compiler decodes them from their AST.
 */
const inlineResponses = Object.entries(Backend).flatMap(([namespace, module]) =>
  namespace === "Models" || !Predicate.isRecord(module)
    ? []
    : Object.entries(module).flatMap(([name, value]) =>
        Schema.isSchema(value) && Predicate.isFunction(value.ast.annotations[FastDecodeAnnotationId])
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

/** The decoder generated for a model (`Models.ts`), called directly. */
const generatedDecoder = (
  schema: Schema.Schema.Any
): ((input: unknown) => Option.Option<unknown>) | undefined => {
  const decode = schema.ast.annotations[FastDecodeAnnotationId]
  if (typeof decode !== "function") return undefined
  return (input) => {
    // `undefined` is the generated decoders' "invalid"; `null` is a value (nullable models).
    const value: unknown = decode(input)
    return value === undefined ? Option.none() : Option.some(value)
  }
}

/**
 * Whether the fast path, and the model's generated decoder, take exactly
 * Schema's decision on an input and build exactly Schema's value. The decoders
 * are made once per schema, as an operation makes them.
 */
const agreement = <A, I>(schema: Schema.Schema<A, I>) => {
  const schemaDecode = Schema.decodeUnknownEither(schema)
  const generated = generatedDecoder(schema)
  const decoders = generated === undefined ? [fastPath(schema)] : [fastPath(schema), generated]
  return (input: unknown) => {
    const expected = schemaDecode(input)
    for (const decode of decoders) {
      const actual = decode(input)
      expect(Option.isSome(actual)).toBe(Either.isRight(expected))
      if (Option.isSome(actual) && Either.isRight(expected)) {
        expect(actual.value).toStrictEqual(expected.right)
        expect(shape(actual.value)).toStrictEqual(shape(expected.right))
      }
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

describe("compiled decoder", () => {
  it("covers every model of Models.ts", () => {
    expect(models.length).toBeGreaterThan(150)
  })

  it("covers every response schema an operation module declares", () => {
    expect(inlineResponses.length).toBeGreaterThan(30)
    expect(inlineResponses.map(([name]) => name)).toContain("M2m.MachineToMachineToken")
  })

  it("has a generated decoder for every model that builds a new value", () => {
    const withDecoder = models.filter(([, schema]) => generatedDecoder(schema) !== undefined)
    expect(withDecoder.length).toBeGreaterThan(150)
    expect(generatedDecoder(Models.User)).toBeDefined()
    expect(generatedDecoder(Models.SessionActivityResponse)).toBeDefined()
  })

  for (const [name, schema] of [...models, ...inlineResponses]) {
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

  const Thing = Schema.Struct({
    object: Schema.Literal("thing"),
    id: Schema.String,
    kind: openEnum<"a" | "b">(),
    createdAt: required(Schema.Number, "created_at"),
    deletedAt: nullable(Schema.Number, "deleted_at"),
    imageUrl: optional(Schema.String, "image_url"),
    metadata: required(JsonObject, "public_metadata"),
    tags: Schema.optional(Schema.Array(Schema.String)),
    limits: Schema.Record({ key: Schema.String, value: Schema.Number })
  })
  const wire = JSON.parse(
    '{"object":"thing","id":"t_1","kind":"c","created_at":1,"public_metadata":{"__proto__":1,"nested":{"a":[1]}},"limits":{"x":1},"extra":"ignored"}'
  )

  it.effect("renames, defaults an absent nullable to null, keeps open enums and metadata as sent", () =>
    Effect.sync(() => {
      const decoded = Either.getOrThrow(decodeUnknownEither(Thing)(wire))
      expect(decoded).toStrictEqual({
        object: "thing",
        id: "t_1",
        kind: "c",
        createdAt: 1,
        deletedAt: null,
        metadata: JSON.parse('{"__proto__":1,"nested":{"a":[1]}}'),
        limits: { x: 1 }
      })
      expect(Object.keys(decoded.metadata)).toStrictEqual(["__proto__", "nested"])
      expect(Object.keys(decoded)).toStrictEqual([
        "object",
        "id",
        "kind",
        "createdAt",
        "deletedAt",
        "metadata",
        "limits"
      ])
    })
  )

  it.effect("reports Schema's own error for an invalid value", () =>
    Effect.sync(() => {
      const input = { ...wire, created_at: "yesterday" }
      const actual = decodeUnknownEither(Thing)(input)
      const expected = Schema.decodeUnknownEither(Thing)(input)
      expect(Either.isLeft(actual)).toBe(true)
      expect(Either.flip(actual).pipe(Either.map(String))).toStrictEqual(
        Either.flip(expected).pipe(Either.map(String))
      )
    })
  )

  const Verification = Schema.Union(
    Schema.Struct({ object: Schema.Literal("otp"), attempts: Schema.Number }),
    Schema.Struct({ object: Schema.Literal("admin"), strategy: Schema.String }),
    unknownVariant("object", ["otp", "admin"], {
      object: variantField(Schema.String, "object"),
      attempts: variantField(Schema.Number, "attempts"),
      strategy: variantField(Schema.String, "strategy"),
      expireAt: variantField(Schema.NullOr(Schema.Number), "expire_at"),
      // Where the members declare a key differently: a value either declaration accepts is kept.
      code: variantField(Schema.Union(Schema.Number, Schema.String), "code")
    })
  )

  it.effect(
    "picks a union member by its discriminator, else decodes the generic variant's known fields",
    () =>
      Effect.sync(() => {
        const decode = fastPath(Verification)
        expect(decode({ object: "otp", attempts: 2, x: 1 })).toStrictEqual(
          Option.some({ object: "otp", attempts: 2 })
        )
        expect(decode({ object: "new_kind", expire_at: 5, y: 1 })).toStrictEqual(
          Option.some({ object: "new_kind", expireAt: 5 })
        )
        expect(decode({ attempts: 1, expire_at: null })).toStrictEqual(
          Option.some({ attempts: 1, expireAt: null })
        )
        // A value no member declares for its key is left out, not kept under a camelCase key it does not fit.
        expect(decode({ object: 7, strategy: ["admin"], expire_at: "soon" })).toStrictEqual(Option.some({}))
        expect(decode({ code: 5 })).toStrictEqual(Option.some({ code: 5 }))
        expect(decode({ code: "E5" })).toStrictEqual(Option.some({ code: "E5" }))
        expect(decode({ code: true })).toStrictEqual(Option.some({}))
        // A known tag whose body is wrong must not fall through to the generic variant.
        expect(decode({ object: "otp", attempts: "2" })).toStrictEqual(Option.none())
        expect(decode(null)).toStrictEqual(Option.none())
        expect(decode([])).toStrictEqual(Option.none())
        for (const input of [
          { object: "new_kind", expire_at: 5 },
          { strategy: 1 },
          { code: "E5" },
          { code: true },
          { object: "otp", attempts: "2" },
          []
        ])
          expect(agrees(Verification, input)).toBe(!(Array.isArray(input) || input.object === "otp"))
      })
  )

  interface Node {
    readonly name: string
    readonly children: ReadonlyArray<Node>
  }
  const Node: Schema.Schema<Node> = Schema.Struct({
    name: Schema.String,
    children: Schema.Array(Schema.suspend(() => Node))
  })

  it.effect("follows recursive schemas and checks refinements", () =>
    Effect.sync(() => {
      expect(agrees(Node, { name: "a", children: [{ name: "b", children: [] }] })).toBe(true)
      expect(agrees(Node, { name: "a", children: [{ name: 1, children: [] }] })).toBe(false)
      const Limit = Schema.Struct({ limit: Schema.Int.pipe(Schema.between(1, 500)) })
      expect(agrees(Limit, { limit: 500 })).toBe(true)
      expect(agrees(Limit, { limit: 501 })).toBe(false)
      expect(agrees(Limit, { limit: 1.5 })).toBe(false)
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

  it.effect("a response schema without a generated decoder decodes through one compiled from its AST", () =>
    Effect.sync(() => {
      const Wire = Schema.Struct({ verified: Schema.Boolean, codeType: required(Schema.String, "code_type") })
      const Verified = withCompiledDecode(Wire)
      const carried = Verified.ast.annotations[FastDecodeAnnotationId]
      if (typeof carried !== "function") throw new Error("withCompiledDecode attached no decoder")
      const wire = { verified: true, code_type: "totp" }
      expect(carried(wire)).toStrictEqual({ verified: true, codeType: "totp" })
      expect(carried({ verified: "yes", code_type: "totp" })).toBe(undefined)
      expect(decodeJson(Verified)(JSON.stringify(wire))).toStrictEqual(decodeJson(Wire)(JSON.stringify(wire)))
      const invalid = decodeJson(Verified)(JSON.stringify({ verified: 1 }))
      const expected = Schema.decodeUnknownEither(Wire)({ verified: 1 })
      expect(invalid._tag).toBe("Invalid")
      expect(invalid._tag === "Invalid" && String(ParseResult.parseError(invalid.issue))).toBe(
        Either.isLeft(expected) && String(expected.left)
      )
    })
  )
})
