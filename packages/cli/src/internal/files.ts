/**
 * Splits an import file into records, each with the line it starts on. A
 * record that cannot be read (a broken JSON line, a CSV row with the wrong
 * number of cells) becomes an issue naming its line, and reading goes on.
 */
import { parse as parseCsv } from "csv-parse/sync"

export interface LineRecord {
  readonly line: number
  readonly record: unknown
}

export interface LineIssue {
  readonly line: number
  readonly reason: string
}

export interface Parsed {
  readonly records: ReadonlyArray<LineRecord>
  readonly issues: ReadonlyArray<LineIssue>
}

export type FileKind = "json" | "jsonl" | "csv"

export const kindOf = (path: string): FileKind | undefined => {
  const lower = path.toLowerCase()
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl"
  if (lower.endsWith(".json")) return "json"
  if (lower.endsWith(".csv")) return "csv"
  return undefined
}

const lineAt = (text: string, offset: number): number => {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

const parseJsonl = (text: string): Parsed => {
  const records: Array<LineRecord> = []
  const issues: Array<LineIssue> = []
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return
    try {
      records.push({ line: index + 1, record: JSON.parse(raw) })
    } catch (error) {
      issues.push({ line: index + 1, reason: `not JSON: ${(error as Error).message}` })
    }
  })
  return { records, issues }
}

/**
 * The offsets where the elements of the array at `depth` begin (1: a top-level
 * array; 2: an array inside a top-level object, as in Firebase's `{ "users": [...] }`).
 */
const elementOffsets = (text: string, depth: number): Array<number> => {
  const offsets: Array<number> = []
  let level = 0
  let inString = false
  let expectElement = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (inString) {
      if (char === "\\") i++
      else if (char === '"') inString = false
      continue
    }
    if (expectElement && !/\s/.test(char)) {
      expectElement = false
      if (char !== "]") offsets.push(i)
    }
    if (char === '"') inString = true
    else if (char === "[" || char === "{") {
      level++
      if (char === "[" && level === depth) expectElement = true
    } else if (char === "]" || char === "}") level--
    else if (char === "," && level === depth) expectElement = true
  }
  return offsets
}

const parseJson = (text: string): Parsed => {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    return {
      records: [],
      issues: [
        {
          line: position ? lineAt(text, Number(position[1])) : 1,
          reason: `not JSON, so no row of this file can be read: ${message}`
        }
      ]
    }
  }
  const nested =
    typeof document === "object" && document !== null && !Array.isArray(document) && "users" in document
  const items = nested ? (document as { readonly users: unknown }).users : document
  if (!Array.isArray(items)) {
    return {
      records: [],
      issues: [{ line: 1, reason: 'expected an array of users (or { "users": [...] })' }]
    }
  }
  const offsets = elementOffsets(text, nested ? 2 : 1)
  let line = 1
  let scanned = 0
  const records = items.map((record, index) => {
    const offset = offsets[index] ?? scanned
    for (; scanned < offset; scanned++) if (text.charCodeAt(scanned) === 10) line++
    return { line, record }
  })
  return { records, issues: [] }
}

const parseCsvText = (text: string): Parsed => {
  let cells: Array<Array<string>>
  // The line each record ends on, as csv-parse counts them.
  const lines: Array<number> = []
  try {
    cells = parseCsv(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      on_record: (record, context) => {
        lines.push(context.lines)
        return record
      }
    })
  } catch (error) {
    const line = (error as { readonly lines?: number }).lines ?? 1
    return { records: [], issues: [{ line, reason: `not CSV: ${(error as Error).message}` }] }
  }
  const rows = cells.map((record, index) => ({ record, line: lines[index] ?? 1 }))
  const [header, ...body] = rows
  if (header === undefined) return { records: [], issues: [] }
  const columns = header.record.map((column) => column.trim())
  const records: Array<LineRecord> = []
  const issues: Array<LineIssue> = []
  for (const { record, line } of body) {
    if (record.length !== columns.length) {
      issues.push({
        line,
        reason: `${record.length} cells, but the header has ${columns.length} columns (${columns.join(", ")})`
      })
      continue
    }
    // An empty cell is an absent field.
    const entries = columns.flatMap((column, index) =>
      record[index] === "" ? [] : [[column, record[index]]]
    )
    records.push({ line, record: Object.fromEntries(entries) })
  }
  return { records, issues }
}

export const parse = (kind: FileKind, text: string): Parsed =>
  kind === "jsonl" ? parseJsonl(text) : kind === "json" ? parseJson(text) : parseCsvText(text)
