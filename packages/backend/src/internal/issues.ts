import * as ParseResult from "effect/ParseResult"
import { ValidationIssue } from "../Errors.js"

/** Flattens a Schema parse error into path + message pairs for our error types. */
export const toIssues = (error: ParseResult.ParseError): ReadonlyArray<ValidationIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map(
    (issue) => new ValidationIssue({ path: issue.path, message: issue.message })
  )
