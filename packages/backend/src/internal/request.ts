/**
 * Encoding, the first step of a call: a call's params are checked against the
 * operation's Schema and become an `HttpClientRequest`, with path segments
 * percent-encoded, query arrays as repeated keys, the remaining fields as a JSON
 * body or multipart form.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RequestValidationError } from "../Errors.js"
import { toIssues } from "./issues.js"

type Wire = { readonly [key: string]: unknown }

/**
 * How the fields that are neither path nor query params travel: `json`,
 * `jsonArray` or `multipart`; an operation without a body has none. A function
 * rather than a name, so a program bundles only the encodings its operations use.
 */
export type Body = (
  request: HttpClientRequest.HttpClientRequest,
  wire: Wire,
  notInBody: ReadonlySet<string>
) => Effect.Effect<HttpClientRequest.HttpClientRequest>

export interface RequestShape {
  readonly method: HttpMethod
  readonly path: string
  /** Absent when the operation takes no query params. */
  readonly query?: Query | undefined
  readonly body?: Body | undefined
}

/**
 * `path` cut at its `{name}` params: literal text at even indexes, the wire
 * names substituted between them at odd ones.
 */
const pathParts = (path: string): ReadonlyArray<string> => path.split(/\{([^}]+)\}/)

const queryValue = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

/** An operation's query params: their wire names and how a call's values become the query string. */
export interface Query {
  readonly names: ReadonlyArray<string>
  readonly encode: (wire: Wire) => ReadonlyArray<readonly [string, string]>
}

/** The name a field of params has on the wire: its key, or the one `Schema.fromKey` gave it. */
const wireName = (key: string, field: Schema.Struct.Field): string =>
  Schema.isPropertySignature(field) &&
  field.ast._tag === "PropertySignatureTransformation" &&
  typeof field.ast.from.fromKey === "string"
    ? field.ast.from.fromKey
    : key

/**
 * The query params, from their fields in the params schema, which name them on
 * the wire. Arrays travel as repeated keys, except those whose keys are in
 * `comma` (declared with `explode: false`), which travel as one comma-joined value.
 */
export const query = (fields: Schema.Struct.Fields, comma: ReadonlyArray<string> = []): Query => {
  const names = Object.entries(fields).map(([key, field]) => wireName(key, field))
  const commaNames: ReadonlySet<string> = new Set(comma.map((key) => wireName(key, fields[key]!)))
  return {
    names,
    encode: (wire) => {
      const entries: Array<readonly [string, string]> = []
      for (const name of names) {
        const value = wire[name]
        if (value === undefined || value === null) continue
        if (Array.isArray(value)) {
          if (commaNames.has(name)) entries.push([name, value.map(queryValue).join(",")])
          else for (const item of value) entries.push([name, queryValue(item)])
        } else {
          entries.push([name, queryValue(value)])
        }
      }
      return entries
    }
  }
}

/**
 * The fields of an operation's params: its path and body fields, and its query
 * fields, declared apart for `query`. A call rather than a spread, which a
 * bundler must keep in case it runs a getter: an operation a program does not
 * use must leave its fields behind.
 */
export const withQuery = <
  const Fields extends Schema.Struct.Fields,
  const Query extends Schema.Struct.Fields
>(
  fields: Fields,
  query: Query
): Fields & Query => ({ ...fields, ...query })

const toFormData = (fields: Wire): FormData => {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    if (value instanceof Blob) form.append(name, value, name)
    else if (value instanceof Uint8Array) form.append(name, new Blob([value.slice()]), name)
    else form.append(name, queryValue(value))
  }
  return form
}

const bodyFields = (wire: Wire, notInBody: ReadonlySet<string>): Wire => {
  const fields: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(wire)) {
    if (value !== undefined && !notInBody.has(name)) fields[name] = value
  }
  return fields
}

/**
 * Multipart bodies are serialised here, with the platform's own `Response`, rather
 * than handed to the HttpClient as `FormData`: transports disagree on which
 * `FormData` class they accept (undici 7 rejects Node's global one).
 */
export const multipart: Body = (request, wire, notInBody) => {
  const form = toFormData(bodyFields(wire, notInBody))
  return Effect.promise(async () => {
    const encoded = new Response(form)
    const contentType = encoded.headers.get("content-type") ?? "multipart/form-data"
    return HttpClientRequest.bodyUint8Array(request, new Uint8Array(await encoded.arrayBuffer()), contentType)
  })
}

/** The fields as a JSON object. */
export const json: Body = (request, wire, notInBody) =>
  Effect.succeed(HttpClientRequest.bodyUnsafeJson(request, bodyFields(wire, notInBody)))

/**
 * The fields as a JSON object, or no body at all when none is set, for bodies the
 * spec does not require: Clerk's own SDK sends `POST /sessions/{id}/tokens` and the
 * like without a body.
 */
export const optionalJson: Body = (request, wire, notInBody) => {
  const fields = bodyFields(wire, notInBody)
  return Object.keys(fields).length === 0 ? Effect.succeed(request) : json(request, fields, notInBody)
}

/** The `body` param as the JSON body (the bulk operations whose body is an array). */
export const jsonArray: Body = (request, wire) =>
  Effect.succeed(HttpClientRequest.bodyUnsafeJson(request, wire.body))

/**
 * The encoder of one operation: everything that depends on the shape alone is
 * worked out once, so a call only checks and substitutes its values.
 */
export const encoder = <P, PI>(
  operationId: string,
  shape: RequestShape,
  params: Schema.Schema<P, PI>
): ((
  params: P | undefined
) => Effect.Effect<HttpClientRequest.HttpClientRequest, RequestValidationError>) => {
  // A key the operation does not know (a typo from JavaScript, a field of another
  // operation) is refused rather than dropped: the caller meant it to be sent.
  const encodeParams = ParseResult.encodeUnknownEither(params, { errors: "all", onExcessProperty: "error" })
  const toRequest = compile(shape)
  return (params) => {
    const wire = encodeParams(params ?? {})
    if (Either.isRight(wire)) return toRequest(wire.right as Wire)
    const issues = toIssues(wire.left)
    return Effect.fail(
      new RequestValidationError({ operationId, field: issues[0]?.path.map(String).join(".") ?? "", issues })
    )
  }
}

const compile = (
  shape: RequestShape
): ((wire: Wire) => Effect.Effect<HttpClientRequest.HttpClientRequest>) => {
  const parts = pathParts(shape.path)
  const notInBody: ReadonlySet<string> = new Set([
    ...parts.filter((_, i) => i % 2 === 1),
    ...(shape.query?.names ?? [])
  ])
  const make = HttpClientRequest.make(shape.method)
  return (wire) => {
    let url = parts[0]!
    for (let i = 1; i < parts.length; i += 2)
      url += encodeURIComponent(String(wire[parts[i]!])) + parts[i + 1]
    const request = make(url, { urlParams: shape.query === undefined ? [] : shape.query.encode(wire) })
    return shape.body === undefined ? Effect.succeed(request) : shape.body(request, wire, notInBody)
  }
}
