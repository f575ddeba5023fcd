import { ActorTokens, SignInTokens, TestingTokens, Users, WaitlistEntries } from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// One-time tokens and the waitlist through the SDK: sign-in tokens, actor tokens and testing
// tokens are created pending and revoked once; waitlist entries are listed, invited and rejected.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Sign-in, actor and testing tokens through the SDK", (it) => {
  it.effect("a sign-in token is created pending for its user and revoked once", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Ticket" })
      const token = yield* SignInTokens.create({ userId: user.id, expiresInSeconds: 600 })
      expect(token).toMatchObject({ object: "sign_in_token", userId: user.id, status: "pending" })
      expect(token.token).toEqual(expect.any(String))
      const revoked = yield* SignInTokens.revoke({ signInTokenId: token.id })
      expect(revoked).toMatchObject({ id: token.id, status: "revoked", userId: user.id })
      expect(yield* Effect.flip(SignInTokens.revoke({ signInTokenId: "sit_missing" }))).toMatchObject(
        notFound
      )
    })
  )

  it.effect("an actor token names its user and actor; revoked, it is revoked; twice, Clerk refuses", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Customer" })
      const admin = yield* Users.create({ firstName: "Support" })
      const token = yield* ActorTokens.create({
        userId: user.id,
        actor: { sub: admin.id },
        expiresInSeconds: 300
      })
      expect(token).toMatchObject({
        object: "actor_token",
        userId: user.id,
        actor: { sub: admin.id },
        status: "pending"
      })
      const revoked = yield* ActorTokens.revoke({ actorTokenId: token.id })
      expect(revoked).toMatchObject({ id: token.id, status: "revoked", actor: { sub: admin.id } })
      // Only pending actor tokens can be revoked (Clerk's actor_token_cannot_be_revoked).
      expect(yield* Effect.flip(ActorTokens.revoke({ actorTokenId: token.id }))).toMatchObject({
        _tag: "ClerkBadRequest",
        errors: [{ code: "actor_token_cannot_be_revoked" }]
      })
      expect(yield* Effect.flip(ActorTokens.revoke({ actorTokenId: "act_missing" }))).toMatchObject(notFound)
    })
  )

  it.effect("each testing token is new and expires in the future", () =>
    Effect.gen(function* () {
      const first = yield* TestingTokens.create({})
      const second = yield* TestingTokens.create({})
      expect(first.object).toBe("testing_token")
      expect(first.token).not.toBe(second.token)
      expect(first.expiresAt).toBeGreaterThan(Date.now() / 1000)
    })
  )
})

sharedEmulator("Waitlist entries through the SDK", (it) => {
  it.effect("create, bulk, list by status and query, invite, reject, delete and 404 afterwards", () =>
    Effect.gen(function* () {
      const ada = yield* WaitlistEntries.create({ emailAddress: "ada@waitlist.test" })
      expect(ada).toMatchObject({
        object: "waitlist_entry",
        emailAddress: "ada@waitlist.test",
        status: "pending"
      })
      const bulk = yield* WaitlistEntries.bulkCreate({
        body: [{ emailAddress: "grace@waitlist.test" }, { emailAddress: "linus@waitlist.test" }]
      })
      expect(bulk.map((entry) => entry.emailAddress)).toEqual(["grace@waitlist.test", "linus@waitlist.test"])
      const [grace, linus] = bulk
      if (grace === undefined || linus === undefined) return yield* Effect.die("bulk answered too few")

      const all = yield* WaitlistEntries.list({})
      expect(all.totalCount).toBe(3)
      expect(all.data.map((entry) => entry.id).sort()).toEqual([ada.id, grace.id, linus.id].sort())
      expect((yield* WaitlistEntries.list({ query: "grace" })).data.map((entry) => entry.id)).toEqual([
        grace.id
      ])

      const invited = yield* WaitlistEntries.invite({ waitlistEntryId: ada.id })
      expect(invited).toMatchObject({ id: ada.id, status: "invited" })
      const rejected = yield* WaitlistEntries.reject({ waitlistEntryId: linus.id })
      expect(rejected).toMatchObject({ id: linus.id, status: "rejected" })
      expect((yield* WaitlistEntries.list({ status: "pending" })).data.map((entry) => entry.id)).toEqual([
        grace.id
      ])
      expect((yield* WaitlistEntries.list({ status: "invited" })).data.map((entry) => entry.id)).toEqual([
        ada.id
      ])

      expect(yield* WaitlistEntries.delete({ waitlistEntryId: grace.id })).toMatchObject({
        id: grace.id,
        deleted: true
      })
      expect(yield* Effect.flip(WaitlistEntries.invite({ waitlistEntryId: grace.id }))).toMatchObject(
        notFound
      )
      expect((yield* WaitlistEntries.list({})).totalCount).toBe(2)
    })
  )
})
