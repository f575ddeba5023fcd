/**
 * The operations of the spec as the generator sees them: which namespace and
 * method each becomes, its params by location, its success and error statuses,
 * and how it paginates.
 */
import { camelCase, upperFirst } from "./naming.js"
import { type JsonSchema, type Operation, type Parameter, type Spec, httpMethods, resolve } from "./spec.js"

/** `optionalJson`: a JSON object the spec does not require, left out when no field is set. */
export type BodyKind = "none" | "json" | "optionalJson" | "jsonArray" | "multipart"

export interface Param {
  readonly wireName: string
  readonly location: "path" | "query" | "body"
  readonly schema: JsonSchema
  readonly required: boolean
}

export type Success =
  | { readonly kind: "none" }
  | { readonly kind: "text" }
  | { readonly kind: "json"; readonly schema: JsonSchema }

export interface Pagination {
  /** The property holding the items, or undefined when the page is a bare array. */
  readonly itemsKey: string | undefined
  readonly totalCountKey: string | undefined
  readonly maxPageSize: number
  /** The list answers `{ data, total_count }` to `paginated=true` (see `OperationModel`); its stream asks for that. */
  readonly paginated: boolean
  /** The list takes a `starting_after` cursor. */
  readonly cursor: boolean
}

export interface OperationModel {
  readonly operationId: string
  readonly method: string
  readonly path: string
  readonly tag: string
  readonly namespace: string
  readonly name: string
  readonly deprecated: boolean
  readonly params: ReadonlyArray<Param>
  readonly body: BodyKind
  /** Body `anyOf` members that only list required names: at least one group must be present. */
  readonly bodyPresenceGroups: ReadonlyArray<ReadonlyArray<string>>
  readonly commaQuery: ReadonlyArray<string>
  readonly success: Success
  readonly errorStatuses: ReadonlyArray<number>
  readonly pagination: Pagination | undefined
  /**
   * The list takes `paginated` and the spec shows a bare array: real Clerk answers
   * `{ data, total_count }` to `paginated=true`, whatever the spec shows.
   */
  readonly paginatedPage: boolean
}

/** The statuses `Errors.ts` has a tag for. */
const taggedStatuses = [400, 401, 402, 403, 404, 409, 410, 413, 422, 423, 429, 500]

interface RawOperation {
  readonly method: string
  readonly path: string
  readonly operation: Operation
}

const rawOperations = (spec: Spec): ReadonlyArray<RawOperation> =>
  Object.entries(spec.paths).flatMap(([path, item]) =>
    httpMethods.flatMap((method) => {
      const operation = item[method]
      return operation === undefined ? [] : [{ method: method.toUpperCase(), path, operation }]
    })
  )

/**
 * One namespace per tag (an operation with several tags goes to its first). A tag
 * is named after the speakeasy group most of its operations carry; a tag without
 * groups, or with a tie, after the tag itself.
 */
const namespaceNames = (operations: ReadonlyArray<RawOperation>): ReadonlyMap<string, string> => {
  const counts = new Map<string, Map<string, number>>()
  for (const { operation } of operations) {
    const tag = operation.tags[0]!
    const groups = counts.get(tag) ?? new Map<string, number>()
    const group = operation["x-speakeasy-group"]
    if (group !== undefined) groups.set(group, (groups.get(group) ?? 0) + 1)
    counts.set(tag, groups)
  }
  const names = new Map<string, string>()
  for (const [tag, groups] of counts) {
    const ranked = [...groups].sort((a, b) => b[1] - a[1])
    const tie = ranked.length > 1 && ranked[0]![1] === ranked[1]![1]
    names.set(tag, upperFirst(ranked.length === 0 || tie ? camelCase(tag) : ranked[0]![0]))
  }
  return names
}

/** The name override, or the camelCase operationId; colliding names in a namespace all fall back to the operationId. */
const methodNames = (operations: ReadonlyArray<RawOperation>, namespaces: ReadonlyMap<string, string>) => {
  const preferred = (operation: Operation) =>
    operation["x-speakeasy-name-override"] ?? camelCase(operation.operationId)
  const taken = new Map<string, number>()
  for (const { operation } of operations) {
    const key = `${namespaces.get(operation.tags[0]!)}.${preferred(operation)}`
    taken.set(key, (taken.get(key) ?? 0) + 1)
  }
  return (operation: Operation): string => {
    const name = preferred(operation)
    return taken.get(`${namespaces.get(operation.tags[0]!)}.${name}`) === 1
      ? name
      : camelCase(operation.operationId)
  }
}

/** A deprecated param that is a spelling of another (`frontendApi` beside `frontend_api`) is left out. */
const supersededParams = (parameters: ReadonlyArray<Parameter>) =>
  parameters.filter(
    (parameter) =>
      parameter.deprecated === true &&
      parameters.some((other) => other !== parameter && camelCase(other.name) === camelCase(parameter.name))
  )

interface ParamsOf {
  readonly params: Array<Param>
  readonly body: BodyKind
  readonly bodyPresenceGroups: ReadonlyArray<ReadonlyArray<string>>
}

const paramsOf = (spec: Spec, operation: Operation): ParamsOf => {
  const parameters = (operation.parameters ?? []).map((raw) => resolve<Parameter>(spec, raw))
  const superseded = supersededParams(parameters)
  const params: Array<Param> = parameters
    .filter((parameter) => !superseded.includes(parameter))
    .map((parameter) => {
      if (parameter.in !== "path" && parameter.in !== "query")
        throw new Error(`${operation.operationId}: ${parameter.in} params are not supported`)
      return {
        wireName: parameter.name,
        location: parameter.in,
        schema: parameter.schema,
        required: parameter.in === "path" || parameter.required === true
      }
    })
  if (operation.requestBody === undefined) return { params, body: "none", bodyPresenceGroups: [] }
  const requestBody = resolve(spec, operation.requestBody)
  const [contentType, media] = Object.entries(requestBody.content)[0]!
  const schema = resolve(spec, media.schema ?? {})
  if (schema.type === "array") {
    params.push({ wireName: "body", location: "body", schema, required: true })
    return { params, body: "jsonArray", bodyPresenceGroups: [] }
  }
  const required = schema.required ?? []
  for (const [wireName, property] of Object.entries(schema.properties ?? {})) {
    params.push({ wireName, location: "body", schema: property, required: required.includes(wireName) })
  }
  const bodyPresenceGroups = (schema.anyOf ?? []).flatMap((member) =>
    member.properties === undefined && member.required !== undefined ? [member.required] : []
  )
  const json = requestBody.required === true ? "json" : "optionalJson"
  return { params, body: contentType === "multipart/form-data" ? "multipart" : json, bodyPresenceGroups }
}

const successOf = (spec: Spec, operation: Operation): Success => {
  const status = Object.keys(operation.responses).find((key) => key.startsWith("2"))
  if (status === undefined) throw new Error(`${operation.operationId}: no 2xx response`)
  const response = resolve(spec, operation.responses[status]!)
  const content = response.content ?? {}
  const json = content["application/json"]?.schema
  if (json !== undefined) return { kind: "json", schema: json }
  return Object.keys(content).length > 0 ? { kind: "text" } : { kind: "none" }
}

/** Lists with `limit` and `offset` query params; their pages are arrays or objects with one array property. */
const takesQuery = (params: ReadonlyArray<Param>, name: string) =>
  params.some((param) => param.wireName === name && param.location === "query")

const hasPaginatedPage = (spec: Spec, params: ReadonlyArray<Param>, success: Success) =>
  takesQuery(params, "paginated") && success.kind === "json" && resolve(spec, success.schema).type === "array"

const paginationOf = (spec: Spec, params: ReadonlyArray<Param>, success: Success): Pagination | undefined => {
  const limit = params.find((param) => param.wireName === "limit" && param.location === "query")
  const offset = params.find((param) => param.wireName === "offset" && param.location === "query")
  if (limit === undefined || offset === undefined || success.kind !== "json") return undefined
  const maxPageSize = resolve(spec, limit.schema).maximum ?? 500
  const cursor = takesQuery(params, "starting_after")
  const page = resolve(spec, success.schema)
  if (page.type === "array") {
    const paginated = hasPaginatedPage(spec, params, success)
    return { itemsKey: undefined, totalCountKey: undefined, maxPageSize, paginated, cursor }
  }
  const properties = Object.entries(page.properties ?? {})
  const items = properties.find(([, property]) => resolve(spec, property).type === "array")
  if (items === undefined) return undefined
  const total = properties.find(([name]) => name === "total_count")
  return { itemsKey: items[0], totalCountKey: total?.[0], maxPageSize, paginated: false, cursor }
}

export const operationModels = (spec: Spec): ReadonlyArray<OperationModel> => {
  const raw = rawOperations(spec)
  const namespaces = namespaceNames(raw)
  const nameOf = methodNames(raw, namespaces)
  return raw.map(({ method, path, operation }) => {
    const { params, body, bodyPresenceGroups } = paramsOf(spec, operation)
    const success = successOf(spec, operation)
    const commaQuery = (operation.parameters ?? [])
      .map((raw) => resolve<Parameter>(spec, raw))
      .filter((parameter) => parameter.in === "query" && parameter.explode === false)
      .map((parameter) => parameter.name)
    return {
      operationId: operation.operationId,
      method,
      path,
      tag: operation.tags[0]!,
      namespace: namespaces.get(operation.tags[0]!)!,
      name: nameOf(operation),
      deprecated: operation.deprecated === true,
      params,
      body,
      bodyPresenceGroups,
      commaQuery,
      success,
      errorStatuses: Object.keys(operation.responses)
        .map(Number)
        .filter((status) => taggedStatuses.includes(status)),
      pagination: paginationOf(spec, params, success),
      paginatedPage: hasPaginatedPage(spec, params, success)
    }
  })
}

/** `list` → `stream`, `listPending` → `streamPending`, `getOrganizationMemberships` → `streamOrganizationMemberships`. */
export const streamName = (name: string): string => {
  const rest = name.replace(/^(list|get)/, "")
  return `stream${upperFirst(rest)}`
}
