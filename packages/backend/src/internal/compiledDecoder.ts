/**
 * Response decoding, compiled. Schema's interpreter threads an `Either`, an
 * issue tree and the parse options through every node so that it can explain a
 * failure; a valid 500-user page pays for all of that without needing any of it.
 *
 * Here the same Schema AST is compiled once into plain closures that check and
 * build the decoded value in one pass and only say "invalid". Any rejection
 * re-runs Schema's own decoder, so the error a caller sees is always Schema's,
 * and a node this compiler does not know is handed to Schema's parser for that
 * node alone. The fast path must therefore accept exactly what Schema accepts
 * and produce equal values; `test/compiledDecoder.test.ts` checks that on every model.
 */
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { attempt, reject } from "./fastDecode.js"
import { parseJson } from "./json.js"

/**
 * Marks a schema that comes with its own fast decoder: a plain function that
 * returns the decoded value, or `undefined` where Schema would reject the input
 * (Schema then explains why). The compiled decoder calls it instead of
 * compiling the node. Models carry a generated one (`withFastDecode`), a
 * union's generic variant the one of `unknownVariant`.
 */
export const FastDecodeAnnotationId: unique symbol = Symbol.for("@effect-clerk/backend/FastDecodeAnnotation")

/**
 * `schema` with its generated decoder attached, whose rejection (see
 * `fastDecode.ts`) becomes `undefined` here. A plain call rather than
 * `.annotations({ [FastDecodeAnnotationId]: ... })` in the generated code,
 * whose computed key a bundler must keep as a possible side effect.
 */
export const withFastDecode = <S extends { annotations(annotations: AST.Annotations): S }>(
  schema: S,
  decode: (input: unknown) => unknown
): S => schema.annotations({ [FastDecodeAnnotationId]: (input: unknown) => attempt(input, decode) })

/**
 * `schema` with a decoder compiled from its AST on first use, for a response
 * schema that has no generated decoder. The compiler travels with the schemas
 * that need it: a program whose operations answer models does not bundle it.
 */
export const withCompiledDecode = <
  S extends { readonly ast: AST.AST; annotations(annotations: AST.Annotations): S }
>(
  schema: S
): S => {
  let decode: Decode | undefined
  return withFastDecode(schema, (input) => {
    decode ??= compile(schema.ast)
    const value = decode(input)
    return value === Invalid ? reject() : value
  })
}

/** What a compiled node returns instead of a value when its input is not valid. */
const Invalid: unique symbol = Symbol("Invalid")

type Decode = (input: unknown) => unknown

/** Which inputs Schema's union looks into for a discriminator (functions are not). */
const isRecordOrArray = (input: unknown): input is object => typeof input === "object" && input !== null

const hasOwn = (input: object, key: PropertyKey) => Object.hasOwn(input, key)

const compiled = new WeakMap<AST.AST, Decode>()

const compile = (ast: AST.AST): Decode => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  // Options or fallbacks attached to a node change how Schema parses it: keep Schema's.
  const custom =
    Option.isSome(AST.getParseOptionsAnnotation(ast)) || Option.isSome(AST.getDecodingFallbackAnnotation(ast))
  const decode = (custom ? undefined : compileNode(ast)) ?? bySchema(ast)
  compiled.set(ast, decode)
  return decode
}

/** Schema's own parser for one node: exact for anything, just slower. */
const bySchema = (ast: AST.AST): Decode => {
  const parse = ParseResult.decodeUnknownEither(Schema.make(ast))
  return (input) => {
    const result = parse(input)
    return Either.isRight(result) ? result.right : Invalid
  }
}

const check =
  (predicate: (input: unknown) => boolean): Decode =>
  (input) =>
    predicate(input) ? input : Invalid

/**
 * The fast decoder a node carries. Needs no compiler, so a bundle that decodes
 * annotated schemas only does not carry one (see `parseJsonFor`).
 */
const annotated = (ast: AST.AST): Decode | undefined => {
  const decode = ast.annotations[FastDecodeAnnotationId]
  if (!Predicate.isFunction(decode)) return undefined
  return (input) => {
    const value = decode(input)
    return value === undefined ? Invalid : value
  }
}

const compileNode = (ast: AST.AST): Decode | undefined => {
  const known = annotated(ast)
  if (known !== undefined) return known
  switch (ast._tag) {
    case "Literal": {
      const literal = ast.literal
      return (input) => (input === literal ? input : Invalid)
    }
    case "UniqueSymbol": {
      const symbol = ast.symbol
      return (input) => (input === symbol ? input : Invalid)
    }
    case "StringKeyword":
      return check(Predicate.isString)
    case "NumberKeyword":
      return check(Predicate.isNumber)
    case "BooleanKeyword":
      return check(Predicate.isBoolean)
    case "BigIntKeyword":
      return check(Predicate.isBigInt)
    case "SymbolKeyword":
      return check(Predicate.isSymbol)
    case "ObjectKeyword":
      return check(Predicate.isObject)
    case "UndefinedKeyword":
      return check(Predicate.isUndefined)
    case "NeverKeyword":
      return () => Invalid
    case "UnknownKeyword":
    case "AnyKeyword":
    case "VoidKeyword":
      return identity
    case "Enums": {
      const values = ast.enums.map(([, value]) => value)
      return check((input) => values.some((value) => value === input))
    }
    case "Declaration":
      return ast.typeParameters.length === 0 ? declaration(ast) : undefined
    case "Refinement":
      return refinement(ast)
    case "TupleType":
      return ast.elements.length === 0 && ast.rest.length === 1 ? array(ast.rest[0]!.type) : undefined
    case "TypeLiteral":
      return typeLiteral(ast)
    case "Union":
      return union(ast)
    case "Suspend": {
      let decode: Decode | undefined
      return (input) => {
        decode ??= compile(ast.f())
        return decode(input)
      }
    }
    case "Transformation":
      return transformation(ast)
    case "TemplateLiteral":
      return undefined
  }
}

/**
 * A declaration without type parameters (`openEnum`, `JsonObject`) runs its
 * own decoder, as Schema's parser does, without the parser around it. One that
 * answers with an Effect rather than an Either is left to Schema.
 */
const declaration = (ast: AST.Declaration): Decode => {
  const parse = ast.decodeUnknown()
  let slow: Decode | undefined
  return (input) => {
    const result = parse(input, AST.defaultParseOption, ast)
    if (!Either.isEither(result)) {
      slow ??= bySchema(ast)
      return slow(input)
    }
    return Either.isRight(result) ? result.right : Invalid
  }
}

const refinement = (ast: AST.Refinement): Decode => {
  const from = compile(ast.from)
  return (input) => {
    const value = from(input)
    return value !== Invalid && Option.isNone(ast.filter(value, AST.defaultParseOption, ast))
      ? value
      : Invalid
  }
}

/**
 * An array, item by item. With `release`, each parsed item is let go of once
 * decoded (see `parseJsonFor`).
 */
const items =
  (decodeItem: Decode, release: boolean): Decode =>
  (input) => {
    if (!Array.isArray(input)) return Invalid
    const length = input.length
    const output = new Array(length)
    for (let i = 0; i < length; i++) {
      const value = decodeItem(input[i])
      if (value === Invalid) return Invalid
      output[i] = value
      if (release) input[i] = undefined
    }
    return output
  }

const array = (element: AST.AST): Decode => items(compile(element), false)

interface Property {
  readonly name: PropertyKey
  readonly isOptional: boolean
  readonly decode: Decode
}

const typeLiteral = (ast: AST.TypeLiteral): Decode | undefined => {
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0)
    return check(Predicate.isNotNullable)
  const properties: ReadonlyArray<Property> = ast.propertySignatures.map((ps) => ({
    name: ps.name,
    isOptional: ps.isOptional,
    decode: compile(ps.type)
  }))
  const index = ast.indexSignatures.map((signature) => ({
    keys: keysOf(signature.parameter),
    decode: compile(signature.type)
  }))
  if (index.some((signature) => signature.keys === undefined)) return undefined
  const declared = new Set(properties.map((property) => property.name))
  return (input) => {
    if (!Predicate.isRecord(input)) return Invalid
    const output: Record<PropertyKey, unknown> = {}
    for (const property of properties) {
      if (property.isOptional && !hasOwn(input, property.name)) continue
      // Like Schema, a missing required key is decoded from whatever reading it gives.
      const value = property.decode(input[property.name])
      if (value === Invalid) return Invalid
      output[property.name] = value
    }
    for (const signature of index) {
      for (const key of signature.keys!(input)) {
        const value = signature.decode(input[key])
        if (value === Invalid) return Invalid
        if (!declared.has(key)) output[key] = value
      }
    }
    return output
  }
}

/** The keys an index signature ranges over; undefined where the key itself needs decoding. */
const keysOf = (parameter: AST.Parameter): ((input: object) => ReadonlyArray<PropertyKey>) | undefined => {
  switch (parameter._tag) {
    case "StringKeyword":
      return Object.keys
    case "SymbolKeyword":
      return Object.getOwnPropertySymbols
    default:
      return undefined
  }
}

/**
 * Which members a union tries, and in which order, follows Schema's search
 * tree: members with a required literal property are bucketed by it (first
 * such property that is not ambiguous), the rest are always tried last.
 */
const union = (ast: AST.Union): Decode => {
  const keys = new Map<PropertyKey, Map<string, Array<Decode>>>()
  const otherwise: Array<Decode> = []
  for (const member of ast.types) {
    const decode = compile(member)
    const tags = literalsOf(member)
    if (tags.length === 0) otherwise.push(decode)
    for (let j = 0; j < tags.length; j++) {
      const [key, literal] = tags[j]!
      const buckets = keys.get(key) ?? new Map<string, Array<Decode>>()
      keys.set(key, buckets)
      const hash = String(literal.literal)
      const bucket = buckets.get(hash)
      if (bucket === undefined) {
        buckets.set(hash, [decode])
        break
      }
      if (j === tags.length - 1) bucket.push(decode)
    }
  }
  const tagged = [...keys]
  return (input) => {
    if (tagged.length > 0 && isRecordOrArray(input)) {
      for (const [key, buckets] of tagged) {
        if (!hasOwn(input, key)) continue
        const bucket = buckets.get(String(Reflect.get(input, key)))
        if (bucket === undefined) continue
        for (const decode of bucket) {
          const value = decode(input)
          if (value !== Invalid) return value
        }
      }
    }
    for (const decode of otherwise) {
      const value = decode(input)
      if (value !== Invalid) return value
    }
    return Invalid
  }
}

/** A member's required literal properties on the encoded side, as Schema's union search reads them. */
const literalsOf = (ast: AST.AST): ReadonlyArray<readonly [PropertyKey, AST.Literal]> => {
  switch (ast._tag) {
    case "Declaration":
      return Option.match(AST.getSurrogateAnnotation(ast), { onNone: () => [], onSome: literalsOf })
    case "TypeLiteral":
      return ast.propertySignatures.flatMap((ps) => {
        const type = AST.encodedAST(ps.type)
        return AST.isLiteral(type) && !ps.isOptional ? [[ps.name, type] as const] : []
      })
    case "TupleType":
      return ast.elements.flatMap((element, i) => {
        const type = AST.encodedAST(element.type)
        return AST.isLiteral(type) && !element.isOptional ? [[i, type] as const] : []
      })
    case "Refinement":
      return literalsOf(ast.from)
    case "Suspend":
      return literalsOf(ast.f())
    case "Transformation":
      return literalsOf(ast.from)
    default:
      return []
  }
}

const transformation = (ast: AST.Transformation): Decode | undefined => {
  switch (ast.transformation._tag) {
    case "ComposeTransformation": {
      const from = compile(ast.from)
      const to = compile(ast.to)
      return (input) => {
        const value = from(input)
        return value === Invalid ? Invalid : to(value)
      }
    }
    case "TypeLiteralTransformation":
      return AST.isTypeLiteral(ast.from) && AST.isTypeLiteral(ast.to)
        ? struct(ast.from, ast.to, ast.transformation)
        : undefined
    case "FinalTransformation":
      return undefined
  }
}

/** One property of the decoded struct and where it comes from on the wire. */
interface Step {
  readonly wireName: PropertyKey
  readonly wireOptional: boolean
  readonly decode: Decode
  /** A renaming keeps the value as it is; anything else (a default) goes through this. */
  readonly transform: ((o: Option.Option<unknown>) => Option.Option<unknown>) | undefined
  /** Undefined for a wire property the decoded side drops (still validated). */
  readonly name: PropertyKey | undefined
  readonly optional: boolean
  /** Validates what `transform` produced, or decodes an absent required property. */
  readonly decodeType: Decode
  /** What reading the property of an empty object gives: what Schema decodes when it is absent. */
  readonly absent: unknown
}

/**
 * `Schema.Struct` with renamed keys or defaults: Schema decodes the wire struct,
 * moves each transformed property, then decodes the result against the type
 * struct. Done here in one pass over the type struct's properties, which also
 * gives Schema's key order. Values that merely moved are not decoded again:
 * they already are the decoded side of the very schema the type struct names.
 */
const struct = (
  from: AST.TypeLiteral,
  to: AST.TypeLiteral,
  transformation: AST.TypeLiteralTransformation
) => {
  if (from.indexSignatures.length > 0 || to.indexSignatures.length > 0) return undefined
  const sources = new Map<
    PropertyKey,
    { readonly wire: AST.PropertySignature; readonly transform: Step["transform"] }
  >(from.propertySignatures.map((wire) => [wire.name, { wire, transform: undefined }]))
  const moved = new Set<PropertyKey>()
  for (const pst of transformation.propertySignatureTransformations) {
    const source = sources.get(pst.from)
    // Chained or colliding moves are left to Schema.
    if (source === undefined || moved.has(pst.from) || (pst.to !== pst.from && sources.has(pst.to)))
      return undefined
    sources.delete(pst.from)
    sources.set(pst.to, { wire: source.wire, transform: pst.decode === identity ? undefined : pst.decode })
    moved.add(pst.to)
  }
  const steps: Array<Step> = []
  for (const property of to.propertySignatures) {
    const source = sources.get(property.name)
    if (source === undefined) {
      if (property.isOptional) continue
      return undefined
    }
    sources.delete(property.name)
    steps.push({
      wireName: source.wire.name,
      wireOptional: source.wire.isOptional,
      decode: compile(source.wire.type),
      transform: source.transform,
      name: property.name,
      optional: property.isOptional,
      decodeType: compile(property.type),
      absent: Reflect.get({}, property.name)
    })
  }
  for (const { wire } of sources.values()) {
    steps.push({
      wireName: wire.name,
      wireOptional: wire.isOptional,
      decode: compile(wire.type),
      transform: undefined,
      name: undefined,
      optional: true,
      decodeType: identity,
      absent: undefined
    })
  }
  return (input: unknown) => {
    if (!Predicate.isRecord(input)) return Invalid
    const output: Record<PropertyKey, unknown> = {}
    for (const step of steps) {
      let present = hasOwn(input, step.wireName)
      let value: unknown
      if (present || !step.wireOptional) {
        value = step.decode(input[step.wireName])
        if (value === Invalid) return Invalid
        present = true
      }
      if (step.transform !== undefined) {
        const moved = step.transform(present ? Option.some(value) : Option.none())
        present = Option.isSome(moved)
        if (Option.isSome(moved)) {
          value = step.decodeType(moved.value)
          if (value === Invalid) return Invalid
        }
      }
      if (step.name === undefined) continue
      if (!present) {
        if (step.optional) continue
        value = step.decodeType(step.absent)
        if (value === Invalid) return Invalid
      }
      output[step.name] = value
    }
    return output
  }
}

/**
 * The fast path alone: `Some` with the decoded value, `None` when the input is
 * not valid (Schema then explains why). Compiled on the first call, so defining
 * an operation stays cheap.
 */
export const fastPath = <A, I>(schema: Schema.Schema<A, I>): ((input: unknown) => Option.Option<A>) => {
  let decode: Decode | undefined
  return (input) => {
    decode ??= compile(schema.ast)
    const value = decode(input)
    return value === Invalid ? Option.none() : Option.some(value as A)
  }
}

/** `Schema.decodeUnknownEither(schema)`, with the compiled fast path in front. */
export const decodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I>
): ((input: unknown) => Either.Either<A, ParseResult.ParseError>) => {
  const fast = fastPath(schema)
  let slow: ((input: unknown) => Either.Either<A, ParseResult.ParseError>) | undefined
  return (input) => {
    const value = fast(input)
    if (Option.isSome(value)) return Either.right(value.value)
    slow ??= Schema.decodeUnknownEither(schema)
    return slow(input)
  }
}

/** What decoding a response body comes to. */
export type JsonDecoded<A> =
  | { readonly _tag: "Decoded"; readonly value: A }
  | { readonly _tag: "Invalid"; readonly json: unknown; readonly issue: ParseResult.ParseIssue }

/** A response body parsed as JSON, which its schema has yet to decode. */
export interface ParsedJson<A> {
  readonly _tag: "Parsed"
  readonly json: unknown
  /** Once only: the decoder takes the parsed value apart. */
  readonly decode: () => JsonDecoded<A>
}

export type JsonParser<A> = (text: string) => ParsedJson<A> | { readonly _tag: "NotJson" }

/**
 * Parses a response body, to be decoded with the decoder its schema carries
 * (`fastDecoder`). Two steps, so a stream can read a page's size from the
 * parsed value and request the next page before decoding this one.
 *
 * The decoder owns the parsed value, so a list lets go of each parsed item once
 * it is decoded: a page is otherwise held twice while it is copied, and the
 * young collections that run meanwhile copy both (this halved the GC time of
 * listing 100,000 users). A rejection parses the text again, for Schema to
 * explain and for the error to carry the body as sent.
 */
export const parseJsonFor = <A, I>(schema: Schema.Schema<A, I>): JsonParser<A> => {
  // `null` once known to have none: Schema alone decodes it.
  let fast: Decode | null | undefined
  let slow: ((input: unknown) => Either.Either<A, ParseResult.ParseIssue>) | undefined
  const decode = (json: unknown, text: string): JsonDecoded<A> => {
    fast ??= fastDecoder(schema.ast) ?? null
    const value = fast === null ? Invalid : fast(json)
    if (value !== Invalid) return { _tag: "Decoded", value: value as A }
    // Without a fast decoder nothing has touched the parsed value.
    const intact = fast === null ? json : JSON.parse(text)
    slow ??= ParseResult.decodeUnknownEither(schema)
    const decoded = slow(intact)
    return Either.isRight(decoded)
      ? { _tag: "Decoded", value: decoded.right }
      : { _tag: "Invalid", json: intact, issue: decoded.left }
  }
  return (text) => {
    const json = parseJson(text)
    return Option.isNone(json)
      ? { _tag: "NotJson" }
      : { _tag: "Parsed", json: json.value, decode: () => decode(json.value, text) }
  }
}

/**
 * The decoder a response schema carries (`annotated`), directly or as the item
 * of a list. Every generated response schema carries one: a generated decoder
 * for a model, `withCompiledDecode` for the others.
 */
const fastDecoder = (ast: AST.AST): Decode | undefined => {
  if (!isList(ast)) return annotated(ast)
  const item = annotated(ast.rest[0]!.type)
  return item === undefined ? undefined : items(item, true)
}

/** `Schema.Array(item)` as Schema builds it, with nothing that changes how it parses. */
const isList = (ast: AST.AST): ast is AST.TupleType =>
  AST.isTupleType(ast) &&
  ast.elements.length === 0 &&
  ast.rest.length === 1 &&
  Option.isNone(AST.getParseOptionsAnnotation(ast)) &&
  Option.isNone(AST.getDecodingFallbackAnnotation(ast))
