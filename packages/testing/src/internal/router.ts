import { operations } from "./generated/operations.js"
import type { OperationSpec } from "./shape.js"

export interface Route {
  readonly method: string
  readonly path: string
  readonly operationId: string
  readonly spec: OperationSpec
  readonly pattern: RegExp
  readonly paramNames: ReadonlyArray<string>
  /** Literal segments win over parameters (`/users/count` before `/users/{user_id}`). */
  readonly rank: string
}

export interface Match {
  readonly route: Route
  readonly params: Record<string, string>
}

const compile = (spec: OperationSpec): Route => {
  const { method, path, operationId } = spec
  const paramNames: Array<string> = []
  const segments = path.split("/").slice(1)
  const source = segments
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment)
      if (param?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      paramNames.push(param[1])
      return "([^/]+)"
    })
    .join("/")
  const rank = segments.map((s) => (s.startsWith("{") ? "1" : "0")).join("")
  return { method, path, operationId, spec, pattern: new RegExp(`^/${source}/?$`), paramNames, rank }
}

const routes: ReadonlyArray<Route> = operations
  .map(compile)
  .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    // A malformed escape cannot name any stored id; keep it verbatim so the lookup answers 404.
    return segment
  }
}

/** Finds the spec operation for a request path (without the `/v1` base path). */
export const matchRoute = (method: string, pathname: string): Match | undefined => {
  for (const route of routes) {
    if (route.method !== method) continue
    const found = route.pattern.exec(pathname)
    if (found === null) continue
    const params: Record<string, string> = {}
    route.paramNames.forEach((name, i) => {
      params[name] = decodeSegment(found[i + 1] ?? "")
    })
    return { route, params }
  }
  return undefined
}
