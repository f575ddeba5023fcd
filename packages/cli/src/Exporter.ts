/**
 * `users export` writes every user of an instance as a JSONL file in Clerk's
 * migration format (ready to import into another instance); `users diff`
 * says which rows of an import file are missing in Clerk or differ from it.
 *
 * @since 0.1.0
 */
import type * as ClerkClient from "@effect-clerk/backend/ClerkClient"
import type * as Models from "@effect-clerk/backend/Models"
import * as Users from "@effect-clerk/backend/Users"
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { type ImportUser, type Row, toRecord } from "./ImportRow.js"
import * as Progress from "./internal/progress.js"

/**
 * A Clerk user as an import row; `id` says which id becomes the row's `userId`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromUser = (user: Models.User, id: string): ImportUser => {
  const verified = (entry: { readonly verification: object | null }) =>
    entry.verification !== null && "status" in entry.verification && entry.verification.status === "verified"
  return {
    externalId: id,
    emails: user.emailAddresses.map((email) => ({ address: email.emailAddress, verified: verified(email) })),
    phones: user.phoneNumbers.map((phone) => ({ number: phone.phoneNumber, verified: verified(phone) })),
    ...(user.username !== null && { username: user.username }),
    ...(user.firstName !== null && { firstName: user.firstName }),
    ...(user.lastName !== null && { lastName: user.lastName }),
    ...(Object.keys(user.publicMetadata).length > 0 && { publicMetadata: user.publicMetadata }),
    ...(user.privateMetadata != null &&
      Object.keys(user.privateMetadata).length > 0 && { privateMetadata: user.privateMetadata }),
    ...(user.unsafeMetadata !== undefined &&
      Object.keys(user.unsafeMetadata).length > 0 && { unsafeMetadata: user.unsafeMetadata }),
    createdAt: new Date(user.createdAt).toISOString()
  }
}

/**
 * The file to resume holds something else than an export.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExportError extends Data.TaggedError("ExportError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/**
 * Writes every user to `out`, one JSON line each, the Clerk user id as `userId`.
 * When `out` already holds users (an export that was stopped), it is appended
 * to and the users it holds are not written again.
 *
 * @since 0.1.0
 * @category export
 */
export const exportUsers = (out: string, options: { readonly progressInterval: Duration.DurationInput }) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const existing = (yield* fs.exists(out)) ? yield* fs.readFileString(out) : ""
    const written = new Set<string>()
    const lines = existing.split("\n")
    // A line cut short by a crash is dropped and its user written again.
    const complete = existing.endsWith("\n") || existing === "" ? lines : lines.slice(0, -1)
    for (const [index, line] of complete.entries()) {
      if (line.trim() === "") continue
      const id = yield* Effect.try({
        try: () => (JSON.parse(line) as { readonly userId?: unknown }).userId,
        catch: () =>
          new ExportError({ reason: `${out} line ${index + 1} is not JSON: not an export to resume` })
      })
      if (typeof id !== "string") {
        return yield* new ExportError({
          reason: `${out} line ${index + 1} has no userId: not an export to resume`
        })
      }
      written.add(id)
    }
    if (complete !== lines) yield* fs.writeFileString(out, complete.map((line) => `${line}\n`).join(""))
    const total = yield* Users.count({})
    const counts = yield* Ref.make({ ...Progress.zero, skipped: written.size })
    const file = yield* fs.open(out, { flag: "a" })
    const encoder = new TextEncoder()
    yield* Progress.report(counts, {
      total: total.totalCount,
      label: "export",
      interval: options.progressInterval
    })
    yield* Users.stream({}).pipe(
      Stream.filter((user) => !written.has(user.id)),
      Stream.map((user) => `${JSON.stringify(toRecord(fromUser(user, user.id)))}\n`),
      Stream.grouped(100),
      Stream.runForEach((chunk) =>
        Effect.zipRight(
          file.writeAll(encoder.encode(Array.from(chunk).join(""))),
          Ref.update(counts, (current) => ({ ...current, created: current.created + chunk.length }))
        )
      )
    )
    const final = yield* Ref.get(counts)
    return { written: final.created, alreadyWritten: written.size }
  }).pipe(Effect.scoped)

/**
 * @since 0.1.0
 * @category models
 */
export interface Difference {
  readonly line: number
  readonly userId: string
  readonly status: "missing" | "differs"
  /** For `differs`: the fields whose values are not the file's. */
  readonly fields?: ReadonlyArray<string>
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner
  ) ?? "undefined"

/** The fields an import sets and Clerk answers; password digests are never returned. */
const compared = (user: ImportUser) => ({
  emails: user.emails.map((email) => email.address.toLowerCase()).sort(),
  phones: user.phones.map((phone) => phone.number).sort(),
  username: user.username?.toLowerCase(),
  firstName: user.firstName,
  lastName: user.lastName,
  publicMetadata: user.publicMetadata ?? {},
  privateMetadata: user.privateMetadata ?? {},
  unsafeMetadata: user.unsafeMetadata ?? {}
})

/**
 * Compares rows with Clerk's users, matched by `external_id`: one pass over
 * all users, however many rows there are.
 *
 * @since 0.1.0
 * @category diff
 */
export const diff = (
  rows: ReadonlyArray<Row>
): Effect.Effect<
  ReadonlyArray<Difference>,
  Stream.Stream.Error<ReturnType<typeof Users.stream>> | PlatformError,
  ClerkClient.ClerkClient
> =>
  Effect.gen(function* () {
    const byExternalId = new Map<string, Models.User>()
    yield* Users.stream({}).pipe(
      Stream.runForEach((user) =>
        Effect.sync(() => {
          if (user.externalId !== null) byExternalId.set(user.externalId, user)
        })
      )
    )
    const differences: Array<Difference> = []
    for (const row of rows) {
      const user = byExternalId.get(row.user.externalId)
      if (user === undefined) {
        differences.push({ line: row.line, userId: row.user.externalId, status: "missing" })
        continue
      }
      const wanted = compared(row.user)
      const actual = compared(fromUser(user, row.user.externalId))
      const fields = (Object.keys(wanted) as Array<keyof typeof wanted>).filter(
        (key) => canonical(wanted[key]) !== canonical(actual[key])
      )
      if (fields.length > 0)
        differences.push({ line: row.line, userId: row.user.externalId, status: "differs", fields })
    }
    return differences
  })
