import {
  ApiKeys,
  ClerkClient,
  M2m,
  Machines,
  OauthAccessTokens,
  OauthApplications,
  Users
} from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { sharedEmulator } from "./sdk.js"

// Machine authentication through the SDK: API keys, M2M tokens, OAuth applications and their
// access tokens. Their `verify` operations answer from the emulator's store, which is what lets
// the auth package's machine-token paths run end to end.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("API keys through the SDK", (it) => {
  it.effect("create, get, list by subject, update, reveal, revoke, verify and delete", () =>
    Effect.gen(function* () {
      const owner = yield* Users.create({ firstName: "Key", lastName: "Owner" })
      const other = yield* Users.create({ firstName: "Other" })
      const key = yield* ApiKeys.createApiKey({
        name: "ci-deploy",
        subject: owner.id,
        scopes: ["read"],
        claims: { team: "infra" }
      })
      expect(key).toMatchObject({ object: "api_key", name: "ci-deploy", subject: owner.id, scopes: ["read"] })
      expect(key.secret).toMatch(/^ak_/)
      yield* ApiKeys.createApiKey({ name: "other", subject: other.id })

      expect(yield* ApiKeys.getApiKey({ apiKeyId: key.id })).toMatchObject({
        id: key.id,
        name: "ci-deploy",
        revoked: false,
        claims: { team: "infra" }
      })
      const mine = yield* ApiKeys.getApiKeys({ subject: owner.id })
      expect(mine.data.map((k) => k.id)).toEqual([key.id])
      expect(mine.totalCount).toBe(1)

      const updated = yield* ApiKeys.updateApiKey({ apiKeyId: key.id, description: "deploys" })
      expect(updated).toMatchObject({ id: key.id, description: "deploys", name: "ci-deploy" })
      expect((yield* ApiKeys.getApiKeySecret({ apiKeyId: key.id })).secret).toBe(key.secret)

      // The secret verifies, answering its key, until the key is revoked.
      expect(yield* ApiKeys.verifyApiKey({ secret: key.secret ?? "" })).toMatchObject({
        id: key.id,
        subject: owner.id
      })
      expect(yield* Effect.flip(ApiKeys.verifyApiKey({ secret: "ak_unknown" }))).toMatchObject(notFound)
      const revoked = yield* ApiKeys.revokeApiKey({ apiKeyId: key.id, revocationReason: "leaked" })
      expect(revoked).toMatchObject({ id: key.id, revoked: true, revocationReason: "leaked" })
      expect(yield* Effect.flip(ApiKeys.verifyApiKey({ secret: key.secret ?? "" }))).toMatchObject(notFound)

      expect(yield* ApiKeys.deleteApiKey({ apiKeyId: key.id })).toMatchObject({ id: key.id, deleted: true })
      expect(yield* Effect.flip(ApiKeys.getApiKey({ apiKeyId: key.id }))).toMatchObject(notFound)
      expect((yield* ApiKeys.getApiKeys({ subject: owner.id })).data).toEqual([])
    })
  )
})

sharedEmulator("M2M tokens through the SDK", (it) => {
  it.effect("a machine creates a token; it lists and verifies from the store until revoked", () =>
    Effect.gen(function* () {
      const machine = yield* Machines.create({ name: "billing-worker" })
      const client = yield* ClerkClient.ClerkClient
      // Clerk takes the machine's own secret key as the bearer of this call, not the instance's.
      const asMachine = ClerkClient.withSecretKey(client, Redacted.make(machine.secretKey ?? ""))
      const token = yield* M2m.createToken({ secondsUntilExpiration: 3600, claims: { job: "sync" } }).pipe(
        Effect.provideService(ClerkClient.ClerkClient, asMachine)
      )
      expect(token).toMatchObject({
        object: "machine_to_machine_token",
        subject: machine.id,
        revoked: false,
        expired: false
      })
      expect(token.token).toMatch(/^mt_/)
      expect(token.expiration).toBeGreaterThan(token.createdAt + 3_599_000)

      const listed = yield* M2m.listTokens({ subject: machine.id, revoked: false })
      expect(listed.m2mTokens.map((t) => t.id)).toEqual([token.id])
      expect(listed.totalCount).toBe(1)
      expect(yield* M2m.verifyToken({ token: token.token ?? "" })).toMatchObject({
        id: token.id,
        subject: machine.id,
        revoked: false
      })
      expect(yield* Effect.flip(M2m.verifyToken({ token: "mt_unknown" }))).toMatchObject(notFound)

      const revoked = yield* M2m.revokeToken({ m2mTokenId: token.id, revocationReason: "rotated" })
      expect(revoked).toMatchObject({ id: token.id, revoked: true, revocationReason: "rotated" })
      expect(yield* Effect.flip(M2m.verifyToken({ token: token.token ?? "" }))).toMatchObject(notFound)
      expect((yield* M2m.listTokens({ subject: machine.id, revoked: false })).m2mTokens).toEqual([])
      expect(
        (yield* M2m.listTokens({ subject: machine.id, revoked: true })).m2mTokens.map((t) => t.id)
      ).toEqual([token.id])
    })
  )
})

sharedEmulator("M2M token expiry through the SDK", (it) => {
  it.effect("once its expiration passes a token no longer verifies, and lists show it expired", () =>
    Effect.gen(function* () {
      const machine = yield* Machines.create({ name: "short-lived" })
      const client = yield* ClerkClient.ClerkClient
      const asMachine = ClerkClient.withSecretKey(client, Redacted.make(machine.secretKey ?? ""))
      const token = yield* M2m.createToken({ secondsUntilExpiration: 1 }).pipe(
        Effect.provideService(ClerkClient.ClerkClient, asMachine)
      )
      expect(token.expired).toBe(false)
      expect(yield* M2m.verifyToken({ token: token.token ?? "" })).toMatchObject({ expired: false })
      // Real time, not the TestClock: the emulator reads the wall clock. Waiting past the
      // expiration with a margin only makes the check later, never wrong.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1_500)))
      const refused = yield* Effect.flip(M2m.verifyToken({ token: token.token ?? "" }))
      expect(refused._tag).toBe("ClerkNotFound")
      const listed = yield* M2m.listTokens({ subject: machine.id })
      expect(listed.m2mTokens.map((t) => [t.id, t.expired])).toEqual([[token.id, true]])
    })
  )
})

sharedEmulator("OAuth applications and access tokens through the SDK", (it) => {
  it.effect("create, get, list, update, rotate the secret, delete and 404 afterwards", () =>
    Effect.gen(function* () {
      const app = yield* OauthApplications.create({
        name: "partner",
        redirectUris: ["https://partner.test/callback"],
        scopes: "profile email"
      })
      expect(app).toMatchObject({ object: "oauth_application", name: "partner" })
      expect(app.clientSecret).toEqual(expect.any(String))
      expect(yield* OauthApplications.get({ oauthApplicationId: app.id })).toMatchObject({
        id: app.id,
        name: "partner"
      })
      expect((yield* OauthApplications.list({})).data.map((a) => a.id)).toEqual([app.id])
      const renamed = yield* OauthApplications.update({ oauthApplicationId: app.id, name: "partner-2" })
      expect(renamed.name).toBe("partner-2")
      const rotated = yield* OauthApplications.rotateSecret({ oauthApplicationId: app.id })
      expect(rotated.clientSecret).toEqual(expect.any(String))
      expect(rotated.clientSecret).not.toBe(app.clientSecret)
      expect(yield* OauthApplications.delete({ oauthApplicationId: app.id })).toMatchObject({
        id: app.id,
        deleted: true
      })
      expect(yield* Effect.flip(OauthApplications.get({ oauthApplicationId: app.id }))).toMatchObject(
        notFound
      )
    })
  )

  it.effect("an access token an application issued verifies until the application revokes it", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Consenting" })
      const app = yield* OauthApplications.create({ name: "issuer", scopes: "profile" })
      const emulator = yield* ClerkEmulator.ClerkEmulator
      // Access tokens come from OAuth flows, outside the Backend API: a test seeds one.
      const issued = yield* emulator.seedResource("/oauth_applications/access_tokens", {
        object: "clerk_idp_oauth_access_token",
        id: "oat_0123456789abcdef0123456789abcdef",
        token: "oat_seeded0123456789",
        client_id: app.clientId,
        subject: user.id,
        scopes: ["profile"],
        revoked: false
      })
      expect(yield* OauthAccessTokens.verify({ accessToken: "oat_seeded0123456789" })).toMatchObject({
        id: issued.id,
        clientId: app.clientId,
        subject: user.id,
        scopes: ["profile"]
      })
      expect(yield* Effect.flip(OauthAccessTokens.verify({ accessToken: "oat_unknown" }))).toMatchObject(
        notFound
      )
      yield* OauthApplications.revokeToken({ oauthApplicationId: app.id, token: "oat_seeded0123456789" })
      expect(
        yield* Effect.flip(OauthAccessTokens.verify({ accessToken: "oat_seeded0123456789" }))
      ).toMatchObject(notFound)
      expect(
        yield* Effect.flip(OauthApplications.revokeToken({ oauthApplicationId: "oa_missing", token: "x" }))
      ).toMatchObject(notFound)
    })
  )
})
