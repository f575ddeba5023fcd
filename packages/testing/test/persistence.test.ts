import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { createLocalJWKSet, jwtVerify } from "jose"
import { str } from "./harness.js"

const freshFile = () => join(mkdtempSync(join(tmpdir(), "clerk-emulator-")), "state.json")

/** Waits until the background writer has saved a state that holds `id`. */
const savedWith = (file: string, id: string) =>
  Effect.sync(() => existsSync(file) && readFileSync(file, "utf8").includes(id)).pipe(
    Effect.repeat({ until: (saved) => saved, schedule: Schedule.spaced("50 millis") }),
    Effect.timeout("10 seconds")
  )

describe("an emulator with a state file", () => {
  it.live("starts where the last one with the same file stopped", () =>
    Effect.gen(function* () {
      const file = freshFile()
      const first = yield* ClerkEmulator.make({ stateFile: file })
      const ada = yield* first.seedUser({ emailAddress: ["ada@example.com"], externalId: "ada" })
      const org = yield* first.seedOrganization({ name: "Engines", createdBy: ada.id })
      const session = yield* first.seedSession({ userId: ada.id })
      const token = yield* first.sessionToken(session.id)
      yield* savedWith(file, session.id)

      const second = yield* ClerkEmulator.make({ stateFile: file })
      const { users, organizations, organizationMemberships, sessions } = yield* second.snapshot
      expect(users.map((user) => [user.id, user.externalId])).toEqual([[ada.id, "ada"]])
      expect(organizations.map((o) => o.id)).toEqual([org.id])
      expect(organizationMemberships.map((m) => [m.publicUserData?.userId, m.role])).toEqual([
        [ada.id, "org:admin"]
      ])
      expect(sessions.map((s) => s.id)).toEqual([session.id])
      // The same signing key: a token from before the restart verifies against the new JWKS.
      expect(second.jwks).toEqual(first.jwks)
      const { payload } = yield* Effect.promise(() =>
        jwtVerify(token, createLocalJWKSet({ keys: [...second.jwks.keys] }))
      )
      expect(payload.sub).toBe(ada.id)
      // The indexes are rebuilt: the restored address is still taken, and lookups find it.
      const taken = yield* Effect.flip(second.seedUser({ emailAddress: ["ada@example.com"] }))
      expect(taken._tag === "ClerkUnprocessableEntity" && taken.errors[0]?.code).toBe(
        "form_identifier_exists"
      )
      expect(yield* second.request("GET", "users?external_id=ada")).toEqual([
        expect.objectContaining({ id: ada.id })
      ])
    })
  )

  it.live("keeps the allowlist, the blocklist and the restriction settings", () =>
    Effect.gen(function* () {
      const file = freshFile()
      const first = yield* ClerkEmulator.make({ stateFile: file })
      yield* first.request("POST", "allowlist_identifiers", { identifier: "allowed.test" })
      yield* first.request("PATCH", "instance/restrictions", { allowlist: true })
      const blocked = yield* first.request("POST", "blocklist_identifiers", {
        identifier: "eve@allowed.test"
      })
      yield* savedWith(file, str(blocked, "id"))

      const second = yield* ClerkEmulator.make({ stateFile: file })
      expect(yield* second.request("PATCH", "instance/restrictions", {})).toMatchObject({ allowlist: true })
      yield* second.seedUser({ emailAddress: ["ada@allowed.test"] })
      for (const refused of ["eve@allowed.test", "bob@elsewhere.test"]) {
        const error = yield* Effect.flip(second.seedUser({ emailAddress: [refused] }))
        expect(error._tag === "ClerkForbidden" && error.errors[0]?.code).toBe("not_allowed_access")
      }
    })
  )

  it.effect("refuses a file that does not hold an emulator's state, rather than overwrite it", () =>
    Effect.gen(function* () {
      const file = freshFile()
      writeFileSync(file, '{"users": []}')
      const error = yield* Effect.flip(ClerkEmulator.make({ stateFile: file }))
      expect(error).toBeInstanceOf(ClerkEmulator.InvalidOptionsError)
      expect(error.message).toContain("cannot be restored")
    })
  )

  it.live("refuses a state file whose signing key is not an RSA private key", () =>
    Effect.gen(function* () {
      const file = freshFile()
      const first = yield* ClerkEmulator.make({ stateFile: file })
      const ada = yield* first.seedUser({ emailAddress: ["ada@example.com"] })
      yield* savedWith(file, ada.id)
      const state = JSON.parse(readFileSync(file, "utf8"))
      for (const signingKey of [
        {
          ...state.signingKey,
          d: undefined,
          p: undefined,
          q: undefined,
          dp: undefined,
          dq: undefined,
          qi: undefined
        },
        { ...state.signingKey, kid: undefined },
        { kty: "oct", k: "c2VjcmV0", kid: state.signingKey.kid }
      ]) {
        writeFileSync(file, JSON.stringify({ ...state, signingKey }))
        const error = yield* Effect.flip(ClerkEmulator.make({ stateFile: file }))
        expect(error).toBeInstanceOf(ClerkEmulator.InvalidOptionsError)
        expect(error.message).toContain("signing key")
      }
    })
  )
})
