/**
 * Applies `overlay.yaml` to the parsed spec. Every entry must change something:
 * an entry whose target no longer exists, or whose change the spec already has,
 * fails generation so stale corrections are noticed when Clerk fixes the spec.
 */
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import type { Spec } from "./spec.js"

interface Entry {
  readonly target: string
  readonly reason: string
  readonly merge?: Record<string, unknown>
  readonly appendEnum?: ReadonlyArray<string>
  readonly unrequire?: ReadonlyArray<string>
  readonly renameKey?: { readonly from: string; readonly to: string }
  readonly remove?: ReadonlyArray<string>
}

type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null

const decodePointerToken = (token: string) => token.replace(/~1/g, "/").replace(/~0/g, "~")

/** A pointer token with `*` matches every key it fits: `*` any key, `*{*` keys holding a `{`. */
const matcher = (token: string): ((key: string) => boolean) => {
  if (!token.includes("*")) return (key) => key === token
  const pattern = new RegExp(
    `^${token
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`
  )
  return (key) => pattern.test(key)
}

/** Every node the pointer matches. */
const select = (root: Node, pointer: string): ReadonlyArray<Node> => {
  let nodes: Array<Node> = [root]
  for (const token of pointer.split("/").slice(1).map(decodePointerToken)) {
    const matches = matcher(token)
    nodes = nodes.flatMap((node) =>
      Object.entries(node).flatMap(([key, child]) => (matches(key) && isNode(child) ? [child] : []))
    )
  }
  return nodes
}

/** Applies one entry to one node; answers whether anything changed. */
const applyTo = (node: Node, entry: Entry): boolean => {
  let changed = false
  for (const [key, value] of Object.entries(entry.merge ?? {})) {
    if (JSON.stringify(node[key]) !== JSON.stringify(value)) changed = true
    node[key] = value
  }
  if (entry.appendEnum) {
    const values = Array.isArray(node.enum) ? node.enum : []
    const added = entry.appendEnum.filter((value) => !values.includes(value))
    node.enum = [...values, ...added]
    changed ||= added.length > 0
  }
  if (entry.unrequire) {
    const required = Array.isArray(node.required) ? node.required : []
    node.required = required.filter((name) => !entry.unrequire!.includes(name))
    changed ||= (node.required as ReadonlyArray<unknown>).length !== required.length
  }
  for (const key of entry.remove ?? []) {
    if (key in node) {
      delete node[key]
      changed = true
    }
  }
  if (entry.renameKey && entry.renameKey.from in node) {
    node[entry.renameKey.to] = node[entry.renameKey.from]
    delete node[entry.renameKey.from]
    changed = true
  }
  return changed
}

export const loadOverlay = (path: string): ReadonlyArray<Entry> =>
  parse(readFileSync(path, "utf8")) as Array<Entry>

export const applyOverlay = (spec: Spec, entries: ReadonlyArray<Entry>): void => {
  for (const entry of entries) {
    const nodes = select(spec as unknown as Node, entry.target)
    const changed = nodes.filter((node) => applyTo(node, entry)).length
    if (changed === 0)
      throw new Error(`overlay entry for ${entry.target} changes nothing; remove it or fix its target`)
  }
}
