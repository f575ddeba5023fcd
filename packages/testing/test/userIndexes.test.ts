import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { at } from "./harness.js"

// The emulator finds users by identifier through indexes; these tests check that
// the indexes follow every write (create, update, identification add/delete, user
// delete), so uniqueness and list filters answer what a scan would.

const ids = (list: unknown): Array<unknown> =>
  Array.isArray(list) ? list.map((u) => at(u, "id")).sort() : []

const codeOf = (error: ClerkEmulator.ClerkEmulatorError): unknown => at(error.body, "errors", 0, "code")

describe("emulator user indexes", () => {
  it.effect("uniqueness follows creates, updates and deletes", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const ada = yield* emulator.seedUser({
        emailAddress: ["Ada@Example.com"],
        phoneNumber: ["+15555550100"],
        username: "ada_l"
      })
      const taken = [
        { emailAddress: [" ada@example.COM"] },
        { phoneNumber: ["+15555550100"] },
        { username: "ADA_L", emailAddress: ["other@example.com"] }
      ]
      for (const params of taken) {
        const error = yield* Effect.flip(emulator.seedUser(params))
        expect(error._tag === "ClerkUnprocessableEntity" && error.errors[0]?.code).toBe(
          "form_identifier_exists"
        )
      }

      // A renamed user frees the old username and takes the new one.
      yield* emulator.request("PATCH", `users/${ada.id}`, { username: "countess" })
      const renamed = yield* emulator.seedUser({ username: "ada_l", emailAddress: ["b@example.com"] })
      const clash = yield* Effect.flip(
        emulator.request("PATCH", `users/${renamed.id}`, { username: "Countess" })
      )
      expect(codeOf(clash)).toBe("form_identifier_exists")
      // Renaming a user to its own username is no clash.
      yield* emulator.request("PATCH", `users/${ada.id}`, { username: "countess" })

      // A deleted email address, and a deleted user's identifiers, are free again.
      const email = ada.emailAddresses[0]?.id
      yield* emulator.request("DELETE", `email_addresses/${String(email)}`)
      yield* emulator.request("POST", "email_addresses", {
        user_id: renamed.id,
        email_address: "ada@example.com"
      })
      yield* emulator.request("DELETE", `users/${ada.id}`)
      const again = yield* emulator.seedUser({ phoneNumber: ["+15555550100"], username: "countess" })
      expect(again.id).not.toBe(ada.id)
      const owner = yield* emulator.request("GET", "users?email_address=ada@example.com")
      expect(ids(owner)).toEqual([renamed.id])
    })
  )

  it.effect("list filters answer what they did without indexes", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      const a = yield* emulator.seedUser({
        emailAddress: ["a@example.com"],
        externalId: "ext-1",
        username: "aaaa"
      })
      const b = yield* emulator.seedUser({ emailAddress: ["b@example.com"], externalId: "ext-1" })
      const c = yield* emulator.seedUser({ phoneNumber: ["+15555550101"], externalId: "ext-2" })
      const org = yield* emulator.seedOrganization({ name: "Acme", createdBy: c.id })
      const list = (query: string) => emulator.request("GET", `users?${query}`).pipe(Effect.map(ids))

      expect(yield* list("external_id=ext-1")).toEqual([a.id, b.id].sort())
      expect(yield* list("external_id=ext-1&email_address=B@example.com")).toEqual([b.id])
      expect(yield* list("email_address=a@example.com&email_address=b@example.com")).toEqual(
        [a.id, b.id].sort()
      )
      expect(yield* list("phone_number=%2B15555550101")).toEqual([c.id])
      expect(yield* list("username=AAAA")).toEqual([a.id])
      expect(yield* list(`user_id=${a.id}&user_id=${c.id}&external_id=ext-2`)).toEqual([c.id])
      expect(yield* list(`organization_id=${org.id}`)).toEqual([c.id])
      expect(yield* list("external_id=nobody")).toEqual([])

      // Changing an external id moves the user between filters.
      yield* emulator.request("PATCH", `users/${a.id}`, { external_id: "ext-2" })
      expect(yield* list("external_id=ext-1")).toEqual([b.id])
      expect(yield* list("external_id=ext-2")).toEqual([a.id, c.id].sort())
      expect(yield* emulator.request("GET", "users/count?external_id=ext-2")).toEqual({
        object: "total_count",
        total_count: 2
      })
      // A deleted user leaves every filter.
      yield* emulator.request("DELETE", `users/${c.id}`)
      expect(yield* list("external_id=ext-2")).toEqual([a.id])
      expect(yield* list(`organization_id=${org.id}`)).toEqual([])
      expect(yield* list("phone_number=%2B15555550101")).toEqual([])
    })
  )
})
