import * as ParseResult from "effect/ParseResult"
import { ValidationIssue } from "../Errors.js"

/** Whether `path` is `prefix` or lies under it. */
const within = (path: ReadonlyArray<PropertyKey>, prefix: ReadonlyArray<PropertyKey>) =>
  path.length >= prefix.length && prefix.every((key, index) => key === path[index])

/**
 * Flattens a Schema parse error into path + message pairs for our error types.
 * A present but wrong value of an optional or nullable field fails both union
 * members (`X | undefined`, `X | null`); the "Expected undefined" or "Expected
 * null" half says nothing useful, so it is dropped where another issue names
 * the same path or one inside it.
 */
export const toIssues = (issue: ParseResult.ParseIssue): ReadonlyArray<ValidationIssue> => {
  const issues = ParseResult.ArrayFormatter.formatIssueSync(issue)
  return issues
    .filter(
      (issue) =>
        !/^Expected (undefined|null),/.test(issue.message) ||
        !issues.some((other) => other !== issue && within(other.path, issue.path))
    )
    .map(
      (issue) =>
        new ValidationIssue({
          // Params and JSON bodies have no symbol keys; one would read as its description.
          path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
          message: issue.message
        })
    )
}
