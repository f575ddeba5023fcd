/**
 * Upload a profile image (multipart) for a user.
 *
 *   node_modules/.bin/tsx --conditions=@effect-clerk/source examples/upload-profile-image.ts [image.png]
 *
 * Without a path it uploads a 1×1 PNG. It creates a user for the upload and
 * deletes it at the end.
 */
import { readFile } from "node:fs/promises"
import { Users } from "@effect-clerk/backend"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { ClerkLive, runId } from "./support/clerk.js"

const onePixelPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64"
)

const image = (path: string | undefined) =>
  path === undefined
    ? Effect.succeed(new Blob([onePixelPng], { type: "image/png" }))
    : Effect.map(
        Effect.tryPromise(() => readFile(path)),
        (bytes) => new Blob([bytes], { type: path.endsWith(".png") ? "image/png" : "image/jpeg" })
      )

const program = Effect.gen(function* () {
  const file = yield* image(process.argv[2])
  const user = yield* Effect.acquireRelease(
    Users.create({
      emailAddress: [`ada+${runId}@example.com`],
      firstName: "Ada",
      skipPasswordRequirement: true
    }),
    (user) => Effect.orDie(Users.delete({ userId: user.id }))
  )
  yield* Console.log(`created ${user.id} (has image: ${user.hasImage})`)

  // A Blob or a Uint8Array; the SDK sends it as the multipart `file` part.
  const updated = yield* Users.setProfileImage({ userId: user.id, file })
  yield* Console.log(
    `uploaded ${file.size} bytes: has image ${updated.hasImage}, image url ${updated.imageUrl}`
  )
})

program.pipe(Effect.scoped, Effect.provide(ClerkLive), NodeRuntime.runMain)
