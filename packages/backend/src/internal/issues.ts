import * as ParseResult from "effect/ParseResult"
import { ValidationIssue } from "../Errors.js"

const samePath = (a: ReadonlyArray<PropertyKey>, b: ReadonlyArray<PropertyKey>) =>
  a.length === b.length && a.every((key, index) => key === b[index])

/**
 * Flattens a Schema parse error into path + message pairs for our error types.
 * An optional field that is present but wrong fails both union members
 * (`X | undefined`); the "Expected undefined" half says nothing useful, so it is
 * dropped where another issue names the same path.
 */
export const toIssues = (issue: ParseResult.ParseIssue): ReadonlyArray<ValidationIssue> => {
  const issues = ParseResult.ArrayFormatter.formatIssueSync(issue)
  return issues
    .filter(
      (issue) =>
        !issue.message.startsWith("Expected undefined") ||
        !issues.some((other) => other !== issue && samePath(other.path, issue.path))
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
