import { EmailAddresses, Organizations, PhoneNumbers, Sessions, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { idPattern } from "./harness.js"
import { type AnyCall, freshEmulator, sharedEmulator } from "./sdk.js"

// Users through the SDK. Tests sharing an emulator use their own addresses and
// scope every list to their own users, so they do not see each other's data.

const identifierExists = { _tag: "ClerkUnprocessableEntity", errors: [{ code: "form_identifier_exists" }] }
const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }
const valueInvalid = { _tag: "ClerkUnprocessableEntity", errors: [{ code: "form_param_value_invalid" }] }

sharedEmulator("Users through the SDK", (it) => {
  it.effect("create answers Clerk ids, epoch-ms timestamps and the first email and phone as primary", () =>
    Effect.gen(function* () {
      const before = Date.now()
      const user = yield* Users.create({
        emailAddress: ["Ada@Create.test", "ada2@create.test"],
        phoneNumber: ["+15555550100"],
        firstName: "Ada",
        username: "ada_create",
        externalId: "ext-create",
        password: "correct horse battery"
      })
      const after = Date.now()
      expect(user.id).toMatch(idPattern("user"))
      expect(user.emailAddresses.map((e) => e.emailAddress)).toEqual(["ada@create.test", "ada2@create.test"])
      for (const identification of [...user.emailAddresses, ...user.phoneNumbers])
        expect(identification.id).toMatch(idPattern("idn"))
      expect(user.primaryEmailAddressId).toBe(user.emailAddresses[0]?.id)
      expect(user.primaryPhoneNumberId).toBe(user.phoneNumbers[0]?.id)
      expect([user.username, user.externalId, user.passwordEnabled]).toEqual([
        "ada_create",
        "ext-create",
        true
      ])
      // Milliseconds since the epoch, not seconds.
      expect(user.createdAt).toBeGreaterThanOrEqual(before)
      expect(user.createdAt).toBeLessThanOrEqual(after)
      expect(user.updatedAt).toBeGreaterThanOrEqual(user.createdAt)
      expect(yield* Users.get({ userId: user.id })).toEqual(user)
      const stored = (yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).users.find(
        (u) => u.id === user.id
      )
      expect(stored).toMatchObject({
        createdAt: user.createdAt,
        updatedAt: user.updatedAt,
        username: "ada_create"
      })
    })
  )

  it.effect("an existing email, phone or username fails with form_identifier_exists", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({
        emailAddress: ["taken@unique.test"],
        phoneNumber: ["+15555550101"],
        username: "taken_name"
      })
      const other = yield* Users.create({ emailAddress: ["free@unique.test"] })
      const attempts: ReadonlyArray<AnyCall> = [
        Users.create({ emailAddress: ["TAKEN@unique.test"] }),
        Users.create({ phoneNumber: ["+1 (555) 555-0101"] }),
        Users.create({ username: "Taken_Name" }),
        Users.update({ userId: other.id, username: "TAKEN_NAME" }),
        EmailAddresses.create({ userId: other.id, emailAddress: "taken@UNIQUE.test" }),
        PhoneNumbers.create({ userId: other.id, phoneNumber: "+15555550101" })
      ]
      for (const attempt of attempts) expect(yield* Effect.flip(attempt)).toMatchObject(identifierExists)
      const holders = yield* Users.list({ emailAddress: ["taken@unique.test", "free@unique.test"] })
      expect(holders.map((u) => u.id)).toEqual([other.id, owner.id])
      expect((yield* Users.get({ userId: other.id })).username).toBeNull()
      expect((yield* Users.count({ phoneNumber: ["+15555550101"] })).totalCount).toBe(1)
    })
  )

  it.effect(
    "primary email and phone: only the user's own, promoted on create or update, replaced on delete",
    () =>
      Effect.gen(function* () {
        const user = yield* Users.create({
          emailAddress: ["first@primary.test"],
          phoneNumber: ["+15555550110"]
        })
        const stranger = yield* Users.create({ emailAddress: ["stranger@primary.test"] })
        const first = user.emailAddresses[0]?.id ?? ""
        const foreign = yield* Effect.flip(
          Users.update({ userId: user.id, primaryEmailAddressId: stranger.primaryEmailAddressId ?? "" })
        )
        expect(foreign).toMatchObject(valueInvalid)
        const second = yield* EmailAddresses.create({
          userId: user.id,
          emailAddress: "second@primary.test",
          verified: true
        })
        expect(second.id).toMatch(idPattern("idn"))
        expect((yield* Users.get({ userId: user.id })).primaryEmailAddressId).toBe(first)
        const third = yield* EmailAddresses.create({
          userId: user.id,
          emailAddress: "third@primary.test",
          primary: true
        })
        expect((yield* Users.get({ userId: user.id })).primaryEmailAddressId).toBe(third.id)
        const promoted = yield* Users.update({ userId: user.id, primaryEmailAddressId: second.id ?? "" })
        expect(promoted.primaryEmailAddressId).toBe(second.id)
        expect(promoted.updatedAt).toBeGreaterThan(user.updatedAt)
        yield* EmailAddresses.update({ emailAddressId: third.id ?? "", primary: true })
        expect((yield* Users.get({ userId: user.id })).primaryEmailAddressId).toBe(third.id)
        // Deleting the primary promotes the oldest remaining address.
        yield* EmailAddresses.delete({ emailAddressId: third.id ?? "" })
        expect((yield* Users.get({ userId: user.id })).primaryEmailAddressId).toBe(first)

        const phone = yield* PhoneNumbers.create({
          userId: user.id,
          phoneNumber: "+15555550111",
          primary: true
        })
        expect((yield* Users.get({ userId: user.id })).primaryPhoneNumberId).toBe(phone.id)
        yield* PhoneNumbers.delete({ phoneNumberId: phone.id ?? "" })
        const afterPhone = yield* Users.get({ userId: user.id })
        expect(afterPhone.primaryPhoneNumberId).toBe(user.phoneNumbers[0]?.id)
        yield* PhoneNumbers.delete({ phoneNumberId: user.phoneNumbers[0]?.id ?? "" })
        const noPhone = yield* Users.get({ userId: user.id })
        expect([noPhone.primaryPhoneNumberId, noPhone.phoneNumbers]).toEqual([null, []])
      })
  )

  it.effect("list filters by email, phone, external id, username, user id, organization and queries", () =>
    Effect.gen(function* () {
      const ada = yield* Users.create({
        emailAddress: ["ada@filters.test"],
        firstName: "Ada",
        lastName: "Lovelace",
        username: "ada_filters",
        externalId: "ext-filters-1"
      })
      const alan = yield* Users.create({
        emailAddress: ["alan@filters.test"],
        phoneNumber: ["+15555550120"],
        firstName: "Alan",
        lastName: "Turing"
      })
      const grace = yield* Users.create({ emailAddress: ["grace@navy.filters"], firstName: "Grace" })
      const org = yield* Organizations.create({ name: "Filters Org", createdBy: alan.id })
      const ids = (params: Users.ListParams) =>
        Effect.map(Users.list(params), (users) => users.map((u) => u.id))
      expect(yield* ids({ emailAddress: ["ADA@filters.test", "grace@navy.filters"] })).toEqual([
        grace.id,
        ada.id
      ])
      expect(yield* ids({ phoneNumber: ["+15555550120"] })).toEqual([alan.id])
      expect(yield* ids({ externalId: ["ext-filters-1"] })).toEqual([ada.id])
      expect(yield* ids({ username: ["ada_filters"] })).toEqual([ada.id])
      expect(yield* ids({ userId: [alan.id, grace.id] })).toEqual([grace.id, alan.id])
      expect(yield* ids({ organizationId: [org.id] })).toEqual([alan.id])
      expect(yield* ids({ query: "turing" })).toEqual([alan.id])
      expect(yield* ids({ query: "filters.test" })).toEqual([alan.id, ada.id])
      expect(yield* ids({ emailAddressQuery: "navy.filters" })).toEqual([grace.id])
      expect(yield* ids({ phoneNumberQuery: "555550120" })).toEqual([alan.id])
      expect(yield* ids({ usernameQuery: "ada_filt" })).toEqual([ada.id])
      expect(yield* ids({ nameQuery: "ada love" })).toEqual([ada.id])
      expect(yield* ids({ userId: [ada.id, alan.id, grace.id], createdAtAfter: ada.createdAt })).toEqual([
        grace.id,
        alan.id
      ])
      expect(yield* ids({ web3Wallet: ["0x0"] })).toEqual([])
      expect(yield* ids({ emailAddress: ["nobody@filters.test"] })).toEqual([])
      expect((yield* Users.count({ query: "filters.test" })).totalCount).toBe(2)
      expect((yield* Users.count({ userId: [ada.id, grace.id] })).totalCount).toBe(2)
      expect(yield* Users.count({ emailAddress: ["nobody@filters.test"] })).toMatchObject({
        object: "total_count",
        totalCount: 0
      })
    })
  )

  it.effect("order_by, limit and offset page a filtered list; stream walks every page", () =>
    Effect.gen(function* () {
      const create = (firstName: string) =>
        Effect.map(Users.create({ firstName, emailAddress: [`${firstName}@order.test`] }), (u) => u.id)
      const carol = yield* create("Carol")
      const alice = yield* create("alice")
      const bob = yield* create("Bob")
      const created = [carol, alice, bob]
      const ids = (params: Users.ListParams) =>
        Effect.map(Users.list({ userId: created, ...params }), (users) => users.map((u) => u.id))
      expect(yield* ids({})).toEqual([bob, alice, carol])
      expect(yield* ids({ orderBy: "+created_at" })).toEqual([carol, alice, bob])
      expect(yield* ids({ orderBy: "created_at" })).toEqual([carol, alice, bob])
      expect(yield* ids({ orderBy: "+first_name" })).toEqual([alice, bob, carol])
      expect(yield* ids({ orderBy: "-first_name", limit: 2 })).toEqual([carol, bob])
      expect(yield* ids({ orderBy: "+created_at", limit: 1, offset: 1 })).toEqual([alice])
      expect(yield* ids({ orderBy: "+created_at", offset: 3 })).toEqual([])
      expect(yield* Effect.flip(ids({ orderBy: "-shoe_size" }))).toMatchObject(valueInvalid)
      const streamed = yield* Stream.runCollect(
        Users.stream({ userId: created, orderBy: "+created_at" }, { pageSize: 2 })
      )
      expect(Chunk.toReadonlyArray(streamed).map((u) => u.id)).toEqual([carol, alice, bob])
    })
  )

  it.effect("ban, unban, lock and unlock, one by one and in bulk", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Mallory", emailAddress: ["mallory@ban.test"] })
      const other = yield* Users.create({ firstName: "Eve", emailAddress: ["eve@ban.test"] })
      const both = [user.id, other.id]
      expect(user.banned).toBe(false)
      expect((yield* Users.ban({ userId: user.id })).banned).toBe(true)
      expect((yield* Users.list({ userId: both, banned: true })).map((u) => u.id)).toEqual([user.id])
      expect((yield* Users.count({ userId: both, banned: false })).totalCount).toBe(1)
      expect((yield* Users.unban({ userId: user.id })).banned).toBe(false)
      const locked = yield* Users.lock({ userId: user.id })
      expect([locked.locked, locked.verificationAttemptsRemaining]).toEqual([true, 0])
      expect((yield* Users.get({ userId: user.id })).locked).toBe(true)
      expect((yield* Users.unlock({ userId: user.id })).locked).toBe(false)
      const banned = yield* Users.bulkBan({ userIds: both })
      expect(banned.map((u) => [u.id, u.banned])).toEqual([
        [user.id, true],
        [other.id, true]
      ])
      expect((yield* Users.bulkUnban({ userIds: [user.id] })).map((u) => [u.id, u.banned])).toEqual([
        [user.id, false]
      ])
      expect((yield* Users.get({ userId: other.id })).banned).toBe(true)
    })
  )

  it.effect("updateMetadata deep-merges and null removes a key; replaceMetadata replaces", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({
        publicMetadata: { plan: "pro", flags: { beta: true, legacy: true } },
        privateMetadata: { stripe: "cus_1", keep: 1 }
      })
      const merged = yield* Users.updateMetadata({
        userId: user.id,
        publicMetadata: { flags: { legacy: null, dark: true }, seats: 3 },
        privateMetadata: { stripe: null },
        unsafeMetadata: { theme: "x" }
      })
      expect(merged.publicMetadata).toEqual({ plan: "pro", seats: 3, flags: { beta: true, dark: true } })
      expect(merged.privateMetadata).toEqual({ keep: 1 })
      expect(merged.unsafeMetadata).toEqual({ theme: "x" })
      const stored = (yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).users.find(
        (u) => u.id === user.id
      )
      expect(stored?.publicMetadata).toEqual({ plan: "pro", seats: 3, flags: { beta: true, dark: true } })
      const replaced = yield* Users.replaceMetadata({ userId: user.id, publicMetadata: { only: 1 } })
      expect(replaced.publicMetadata).toEqual({ only: 1 })
      expect(replaced.privateMetadata).toEqual({ keep: 1 })
      expect(
        yield* Effect.flip(Users.updateMetadata({ userId: "user_missing", publicMetadata: {} }))
      ).toMatchObject(notFound)
    })
  )

  it.effect("update changes fields, clears with null and answers 404 for unknown users", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({
        firstName: "Old",
        username: "old_name",
        emailAddress: ["old@update.test"]
      })
      const updated = yield* Users.update({
        userId: user.id,
        firstName: "New",
        lastName: "Name",
        username: null
      })
      expect([updated.firstName, updated.lastName, updated.username]).toEqual(["New", "Name", null])
      expect(yield* Users.get({ userId: user.id })).toEqual(updated)
      expect(yield* Effect.flip(Users.update({ userId: "user_missing", firstName: "X" }))).toMatchObject(
        notFound
      )
    })
  )

  it.effect("delete cascades to the user's emails, phones, memberships and sessions", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ emailAddress: ["gone@cascade.test"], phoneNumber: ["+15555550130"] })
      const org = yield* Organizations.create({ name: "Cascade", createdBy: user.id })
      const session = yield* Sessions.create({ userId: user.id })
      const deleted = yield* Users.delete({ userId: user.id })
      expect([deleted.id, deleted.object, deleted.deleted]).toEqual([user.id, "user", true])
      const gone: ReadonlyArray<AnyCall> = [
        Users.get({ userId: user.id }),
        EmailAddresses.get({ emailAddressId: user.emailAddresses[0]?.id ?? "" }),
        PhoneNumbers.get({ phoneNumberId: user.phoneNumbers[0]?.id ?? "" }),
        Sessions.get({ sessionId: session.id }),
        Users.delete({ userId: user.id })
      ]
      for (const call of gone) expect(yield* Effect.flip(call)).toMatchObject(notFound)
      const snapshot = yield* (yield* ClerkEmulator.ClerkEmulator).snapshot
      expect(snapshot.sessions.filter((s) => s.userId === user.id)).toEqual([])
      expect(snapshot.organizationMemberships.filter((m) => m.organization.id === org.id)).toEqual([])
      expect(
        (yield* Organizations.get({ organizationId: org.id, includeMembersCount: true })).membersCount
      ).toBe(0)
      // The identifiers are free again.
      const again = yield* Users.create({
        emailAddress: ["gone@cascade.test"],
        phoneNumber: ["+15555550130"]
      })
      expect(again.id).not.toBe(user.id)
    })
  )

  it.effect("profile image upload and delete", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Pic" })
      expect(user.hasImage).toBe(false)
      const uploaded = yield* Users.setProfileImage({
        userId: user.id,
        file: new Uint8Array([137, 80, 78, 71])
      })
      expect(uploaded.hasImage).toBe(true)
      expect(uploaded.imageUrl).toMatch(/^https:\/\/img\.clerk\.emulator\.local\/img_\w+$/)
      expect(uploaded.profileImageUrl).toBe(uploaded.imageUrl)
      const read = yield* Users.get({ userId: user.id })
      expect([read.hasImage, read.imageUrl]).toEqual([true, uploaded.imageUrl])
      const cleared = yield* Users.deleteProfileImage({ userId: user.id })
      expect([cleared.hasImage, cleared.imageUrl]).toEqual([false, user.imageUrl])
      expect(yield* Effect.flip(Users.setProfileImage({ userId: user.id }))).toMatchObject({
        _tag: "ClerkBadRequest",
        errors: [{ code: "form_param_missing", meta: { param_name: "file" } }]
      })
      expect(
        yield* Effect.flip(Users.setProfileImage({ userId: "user_missing", file: new Uint8Array([1]) }))
      ).toMatchObject(notFound)
    })
  )
})

sharedEmulator("Email addresses and phone numbers through the SDK", (it) => {
  it.effect("create, get, update and delete an email address", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ emailAddress: ["owner@email.test"] })
      const email = yield* EmailAddresses.create({ userId: user.id, emailAddress: "Extra@Email.test" })
      expect(email).toMatchObject({
        object: "email_address",
        emailAddress: "extra@email.test",
        reserved: false
      })
      expect(email.verification?.status).toBe("unverified")
      expect(yield* EmailAddresses.get({ emailAddressId: email.id ?? "" })).toEqual(email)
      const verified = yield* EmailAddresses.update({ emailAddressId: email.id ?? "", verified: true })
      expect(verified.verification?.status).toBe("verified")
      expect((yield* Users.get({ userId: user.id })).emailAddresses.map((e) => e.emailAddress)).toEqual([
        "owner@email.test",
        "extra@email.test"
      ])
      const deleted = yield* EmailAddresses.delete({ emailAddressId: email.id ?? "" })
      expect([deleted.id, deleted.object, deleted.deleted]).toEqual([email.id, "email_address", true])
      expect(yield* Effect.flip(EmailAddresses.get({ emailAddressId: email.id ?? "" }))).toMatchObject(
        notFound
      )
      expect(
        yield* Effect.flip(EmailAddresses.create({ userId: "user_missing", emailAddress: "x@email.test" }))
      ).toMatchObject(notFound)
      expect(
        yield* Effect.flip(EmailAddresses.create({ userId: user.id, emailAddress: "not-an-email" }))
      ).toMatchObject({ _tag: "ClerkUnprocessableEntity", errors: [{ code: "form_param_format_invalid" }] })
    })
  )

  it.effect("create, get, update and delete a phone number", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Phoned" })
      const phone = yield* PhoneNumbers.create({
        userId: user.id,
        phoneNumber: "+1 555 555 0140",
        verified: true
      })
      expect(phone).toMatchObject({
        object: "phone_number",
        phoneNumber: "+15555550140",
        reservedForSecondFactor: false
      })
      expect(phone.id).toMatch(idPattern("idn"))
      expect((yield* Users.get({ userId: user.id })).primaryPhoneNumberId).toBe(phone.id)
      expect(yield* PhoneNumbers.get({ phoneNumberId: phone.id ?? "" })).toEqual(phone)
      const reserved = yield* PhoneNumbers.update({
        phoneNumberId: phone.id ?? "",
        reservedForSecondFactor: true
      })
      expect(reserved.reservedForSecondFactor).toBe(true)
      const deleted = yield* PhoneNumbers.delete({ phoneNumberId: phone.id ?? "" })
      expect([deleted.id, deleted.object, deleted.deleted]).toEqual([phone.id, "phone_number", true])
      expect(yield* Effect.flip(PhoneNumbers.get({ phoneNumberId: phone.id ?? "" }))).toMatchObject(notFound)
      expect(yield* Effect.flip(PhoneNumbers.create({ userId: user.id, phoneNumber: "555" }))).toMatchObject({
        _tag: "ClerkUnprocessableEntity",
        errors: [{ code: "form_param_format_invalid" }]
      })
      // An email address id is not a phone number id.
      const withEmail = yield* Users.create({ emailAddress: ["kind@phone.test"] })
      expect(
        yield* Effect.flip(PhoneNumbers.get({ phoneNumberId: withEmail.primaryEmailAddressId ?? "" }))
      ).toMatchObject(notFound)
    })
  )
})

freshEmulator("The whole user collection through the SDK", (test) => {
  test("limit defaults to 10 and accepts 500; count and stream see every user", () =>
    Effect.gen(function* () {
      const created: Array<string> = []
      for (let i = 0; i < 12; i++) created.push((yield* Users.create({ firstName: `u${i}` })).id)
      expect((yield* Users.list({})).map((u) => u.id)).toEqual(created.slice(2).reverse())
      expect(yield* Users.list({ limit: 500 })).toHaveLength(12)
      expect((yield* Users.count({})).totalCount).toBe(12)
      const streamed = yield* Stream.runCollect(Users.stream({ orderBy: "+created_at" }, { pageSize: 5 }))
      expect(Chunk.toReadonlyArray(streamed).map((u) => u.id)).toEqual(created)
      expect((yield* (yield* ClerkEmulator.ClerkEmulator).snapshot).users.map((u) => u.id)).toEqual(created)
    }))
})
