/**
 * Turns an operation's encoded params (wire names, already validated) into an
 * `HttpClientRequest`: path segments percent-encoded, query arrays as repeated keys,
 * the remaining fields as a JSON body or multipart form.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as Effect from "effect/Effect"

/** How the fields that are neither path nor query params travel. */
export type BodyKind = "none" | "json" | "jsonArray" | "multipart"

export interface RequestShape {
  readonly method: HttpMethod
  readonly path: string
  readonly query: ReadonlyArray<string>
  /** Query arrays the spec declares with `explode: false`: one comma-joined value. */
  readonly commaQuery: ReadonlyArray<string>
  readonly body: BodyKind
}

type Wire = { readonly [key: string]: unknown }

/**
 * `path` cut at its `{name}` params: literal text at even indexes, the wire
 * names substituted between them at odd ones.
 */
const pathParts = (path: string): ReadonlyArray<string> => path.split(/\{([^}]+)\}/)

const queryValue = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

const appendQuery = (
  shape: RequestShape,
  comma: ReadonlySet<string>,
  wire: Wire
): ReadonlyArray<readonly [string, string]> => {
  const entries: Array<readonly [string, string]> = []
  for (const name of shape.query) {
    const value = wire[name]
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      if (comma.has(name)) entries.push([name, value.map(queryValue).join(",")])
      else for (const item of value) entries.push([name, queryValue(item)])
    } else {
      entries.push([name, queryValue(value)])
    }
  }
  return entries
}

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
const multipart = (request: HttpClientRequest.HttpClientRequest, form: FormData) =>
  Effect.promise(async () => {
    const encoded = new Response(form)
    const contentType = encoded.headers.get("content-type") ?? "multipart/form-data"
    return HttpClientRequest.bodyUint8Array(request, new Uint8Array(await encoded.arrayBuffer()), contentType)
  })

/**
 * Everything that depends on the shape alone is worked out once per operation,
 * so a call only substitutes its values.
 */
export const compile = (
  shape: RequestShape
): ((wire: Wire) => Effect.Effect<HttpClientRequest.HttpClientRequest>) => {
  const comma: ReadonlySet<string> = new Set(shape.commaQuery)
  const parts = pathParts(shape.path)
  const notInBody: ReadonlySet<string> = new Set([...parts.filter((_, i) => i % 2 === 1), ...shape.query])
  const make = HttpClientRequest.make(shape.method)
  return (wire) => {
    let url = parts[0]!
    for (let i = 1; i < parts.length; i += 2)
      url += encodeURIComponent(String(wire[parts[i]!])) + parts[i + 1]
    const request = make(url, { urlParams: shape.query.length === 0 ? [] : appendQuery(shape, comma, wire) })
    switch (shape.body) {
      case "none":
        return Effect.succeed(request)
      case "jsonArray":
        return Effect.succeed(HttpClientRequest.bodyUnsafeJson(request, wire.body))
      case "json":
        return Effect.succeed(HttpClientRequest.bodyUnsafeJson(request, bodyFields(wire, notInBody)))
      case "multipart":
        return multipart(request, toFormData(bodyFields(wire, notInBody)))
    }
  }
}
