/**
 * Response bodies, parsed and decoded. The schema's generated decoder
 * (`fastDecode.ts`) builds the value of a valid body; where it rejects one,
 * Schema's own decoder runs, so the error a caller sees is always Schema's.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Decode from "./fastDecode.js"
import { parseJson } from "./json.js"

/** What a generated decoder's rejection becomes here. */
const Invalid: unique symbol = Symbol("Invalid")

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
 * young collections that run meanwhile copy both. A rejection parses the text
 * again, for Schema to explain and for the error to carry the body as sent.
 */
export const parseJsonFor = <A, I>(schema: Schema.Schema<A, I>): JsonParser<A> => {
  // `null` once known to have none: Schema alone decodes it.
  let fast: ((input: unknown) => unknown) | null | undefined
  let slow: ((input: unknown) => Either.Either<A, ParseResult.ParseIssue>) | undefined
  const decode = (json: unknown, text: string): JsonDecoded<A> => {
    fast ??= fastDecoder(schema.ast, true) ?? null
    const value = fast === null ? Invalid : Decode.attempt(json, fast, Invalid)
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
 * The generated decoder a response schema carries, directly or as the item of
 * a list (with `release`, each parsed item is let go of as it is decoded).
 * Every generated response schema carries one, directly or in its items.
 */
export const fastDecoder = (ast: AST.AST, release = false): ((input: unknown) => unknown) | undefined => {
  const own = Decode.carried(ast)
  if (own !== undefined || !isList(ast)) return own
  const item = Decode.carried(ast.rest[0]!.type)
  return item === undefined ? undefined : (input) => Decode.array(input, item, release)
}

/** `Schema.Array(item)` as Schema builds it, with nothing that changes how it parses. */
const isList = (ast: AST.AST): ast is AST.TupleType =>
  AST.isTupleType(ast) &&
  ast.elements.length === 0 &&
  ast.rest.length === 1 &&
  Option.isNone(AST.getParseOptionsAnnotation(ast)) &&
  Option.isNone(AST.getDecodingFallbackAnnotation(ast))
