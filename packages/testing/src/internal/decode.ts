/**
 * Reads a request's params with the operation's params schema of
 * `@effect-clerk/backend`, the Schema the SDK encodes the same call with: the
 * wire form (path segments, query strings, a JSON or multipart body, all in
 * snake_case) decodes to the camelCase params the handlers work with. What the
 * schema refuses answers as Clerk answers a bad param.
 */
import { Either, ParseResult, type Schema } from "effect"
import type * as AST from "effect/SchemaAST"
import {
  type ClerkApiError,
  malformedRequest,
  paramFormatInvalid,
  paramInvalid,
  paramMissing,
  paramUnknown
} from "./errors.js"
import { deref, isRecord, type OperationSpec, type Shape } from "./shape.js"

/** The request's params by wire name, as the SDK's params schema encodes them. */
export type Wire = Record<string, unknown>

/**
 * A query string as the value its param's shape says: the SDK sends numbers and
 * booleans as their JSON text. A string that is neither stays a string, for the
 * schema to refuse by name.
 */
const fromQuery = (shape: Shape, raw: string): unknown => {
  const { type } = deref(shape)
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw)
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true"
  return raw
}

/** Arrays travel as repeated keys (`?user_id=a&user_id=b`), `[]`-suffixed keys too, or comma-joined where declared. */
const queryWire = (op: OperationSpec, query: URLSearchParams): Wire => {
  const wire: Wire = {}
  for (const [name, shape] of Object.entries(op.query ?? {})) {
    const values = [...query.getAll(name), ...query.getAll(`${name}[]`)]
    const first = values[0]
    if (first === undefined) continue
    const { items } = deref(shape)
    if (items === undefined) wire[name] = fromQuery(shape, first)
    else
      wire[name] = (op.comma?.includes(name) === true ? values.flatMap((v) => v.split(",")) : values).map(
        (value) => fromQuery(items, value)
      )
  }
  return wire
}

/** The body's fields: a JSON object, a multipart form, or the array of a bulk operation as `body`. */
const bodyWire = (op: OperationSpec, body: unknown): Either.Either<Wire, ClerkApiError> => {
  if (op.body === undefined || body === undefined) return Either.right({})
  if (deref(op.body).type === "array")
    return Array.isArray(body) && body.every(isRecord)
      ? Either.right({ body })
      : Either.left(malformedRequest("The request body must be a JSON array of objects."))
  return isRecord(body)
    ? Either.right(body)
    : Either.left(malformedRequest("The request body must be a JSON object."))
}

/** The wire form of a request's params: path, query and body fields in one object, as the SDK encodes them. */
export const wireOf = (
  op: OperationSpec,
  path: Record<string, string>,
  query: URLSearchParams,
  body: unknown
): Either.Either<Wire, ClerkApiError> =>
  Either.map(bodyWire(op, body), (fields) => ({ ...fields, ...queryWire(op, query), ...path }))

type Kind = "missing" | "unknown" | "format" | "value"

interface Leaf {
  readonly path: ReadonlyArray<PropertyKey>
  readonly kind: Kind
  readonly message: string
}

/** A literal or a union of literals: an enum, whose wrong value is a wrong value rather than a wrong type. */
const isEnum = (ast: AST.AST): boolean =>
  ast._tag === "Literal" || (ast._tag === "Union" && ast.types.every(isEnum))

/** An absent-or-null member of an optional field's union, which says nothing about a present value. */
const isEmptyMember = (issue: ParseResult.ParseIssue): boolean =>
  issue._tag === "Type" &&
  (issue.ast._tag === "UndefinedKeyword" || (issue.ast._tag === "Literal" && issue.ast.literal === null))

/** The first issue that names what is wrong, with the path to it. */
const leafOf = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): Leaf => {
  switch (issue._tag) {
    case "Pointer":
      return leafOf(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])])
    case "Composite": {
      if (isEnum(issue.ast))
        return { path, kind: "value", message: ParseResult.TreeFormatter.formatIssueSync(issue) }
      const issues = Array.isArray(issue.issues) ? issue.issues : [issue.issues]
      const telling = issues.find((inner) => !isEmptyMember(inner)) ?? issues[0]
      return telling === undefined
        ? { path, kind: "format", message: ParseResult.TreeFormatter.formatIssueSync(issue) }
        : leafOf(telling, path)
    }
    case "Refinement":
      return issue.kind === "From"
        ? leafOf(issue.issue, path)
        : { path, kind: "value", message: ParseResult.TreeFormatter.formatIssueSync(issue.issue) }
    case "Transformation":
      return leafOf(issue.issue, path)
    case "Missing":
      return { path, kind: "missing", message: "is missing" }
    case "Unexpected":
      return { path, kind: "unknown", message: "is unknown" }
    case "Type":
      return {
        path,
        kind: isEnum(issue.ast) ? "value" : "format",
        message: ParseResult.TreeFormatter.formatIssueSync(issue)
      }
    case "Forbidden":
      return { path, kind: "format", message: ParseResult.TreeFormatter.formatIssueSync(issue) }
  }
}

/**
 * Clerk's answer to a param the schema refuses. Multipart uploads declare 400
 * rather than 422 for a bad request, so theirs answer 400. A query string is
 * text whatever its param's type, so a query value that does not parse is a
 * wrong value rather than a wrong type.
 */
const refusal = (op: OperationSpec, issue: ParseResult.ParseIssue): ClerkApiError => {
  const found = leafOf(issue, [])
  const param = found.path.length === 0 ? "body" : String(found.path[0])
  const leaf: Leaf =
    found.kind === "format" && op.query?.[param] !== undefined ? { ...found, kind: "value" } : found
  const status = op.multipart === true ? 400 : 422
  switch (leaf.kind) {
    case "missing":
      return paramMissing(param, status)
    case "unknown":
      return paramUnknown(param, status)
    case "format":
      return paramFormatInvalid(param, `${param} is invalid: ${leaf.message}`, status)
    case "value":
      return paramInvalid(param, `${param} is invalid: ${leaf.message}`, status)
  }
}

const decoders = new WeakMap<
  Schema.Schema.AnyNoContext,
  (wire: Wire) => Either.Either<unknown, ParseResult.ParseIssue>
>()

/** Decodes the wire params with `schema`; a key the operation does not take is refused, as Clerk refuses it. */
export const decodeParams = (
  op: OperationSpec,
  schema: Schema.Schema.AnyNoContext,
  wire: Wire
): Either.Either<unknown, ClerkApiError> => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = ParseResult.decodeUnknownEither(schema, { onExcessProperty: "error" })
    decoders.set(schema, decode)
  }
  return Either.mapLeft(decode(wire), (issue) => refusal(op, issue))
}
