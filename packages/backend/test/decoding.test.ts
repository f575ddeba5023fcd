import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ApiKeys, Billing, type ClerkClient, Invitations, Users } from "../src/index.js"
import * as FakeClerk from "./fakeClerk.js"

const userId = "user_2hT9sKd3LmQ8vXcR4nWzY7pBfGa"

/** Runs `call` against a fake that answers `answer`. */
const answered = <A, E>(call: Effect.Effect<A, E, ClerkClient.ClerkClient>, answer: FakeClerk.Answer) =>
  call.pipe(Effect.provide(FakeClerk.make([answer]).layer))

const getUser = (body: unknown) => answered(Users.get({ userId }), { body })

const emailWith = (verification: unknown) => ({
  id: "idn_2hTC0aB1cD2eF3gH4iJ5kL6mN7o",
  object: "email_address",
  email_address: "ada@example.com",
  reserved: false,
  verification,
  linked_to: [{ type: "oauth_google", id: "idn_2hTC9zY8xW7vU6tS5rQ4pO3nM2l" }],
  created_at: 1717171717000,
  updated_at: 1717171717000
})

const userWithVerification = (verification: unknown) =>
  FakeClerk.user({ email_addresses: [emailWith(verification)] })

describe("liberal decoding", () => {
  it.effect("decodes the wire shape to camelCase", () =>
    Effect.gen(function* () {
      const user = yield* getUser(FakeClerk.user())
      expect(user.id).toBe(userId)
      expect(user.firstName).toBe("Ada")
      expect(user.primaryEmailAddressId).toBe("idn_2hT9sNq1XwV5bJ8cK3mLpR6tYzE")
      expect(user.emailAddresses[0]!.emailAddress).toBe("ada@example.com")
      expect(user.createdAt).toBe(1717171717000)
    })
  )

  it.effect("accepts enum values the spec does not list", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          object: "verification_otp",
          status: "awaiting_carrier",
          strategy: "carrier_pigeon",
          attempts: 1,
          expire_at: 1717172317000
        })
      )
      const verification = user.emailAddresses[0]!.verification
      expect(verification).toMatchObject({
        object: "verification_otp",
        status: "awaiting_carrier",
        strategy: "carrier_pigeon"
      })
    })
  )

  it.effect("ignores properties the spec does not list", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        FakeClerk.user({ favourite_engine: { kind: "analytical" }, last_seen_planet: "earth" })
      )
      expect(user.firstName).toBe("Ada")
      expect(Object.keys(user)).not.toContain("favourite_engine")
      expect(Object.keys(user)).not.toContain("favouriteEngine")
    })
  )

  it.effect("a nullable property that is absent decodes to null", () =>
    Effect.gen(function* () {
      const { external_id: _a, last_sign_in_at: _b, username: _c, ...body } = FakeClerk.user()
      const user = yield* getUser(body)
      expect(user.externalId).toBeNull()
      expect(user.lastSignInAt).toBeNull()
      expect(user.username).toBeNull()
    })
  )

  it.effect("a required, non-nullable property that is absent still fails", () =>
    Effect.gen(function* () {
      const { banned: _, ...body } = FakeClerk.user()
      const error = yield* Effect.flip(getUser(body))
      expect(error._tag).toBe("ResponseValidationError")
    })
  )
})

describe("discriminated unions", () => {
  it.effect("a known `object` decodes to its variant", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          object: "verification_email_link",
          status: "verified",
          strategy: "email_link",
          attempts: 1,
          expire_at: 1717172317000
        })
      )
      expect(user.emailAddresses[0]!.verification).toEqual({
        object: "verification_email_link",
        status: "verified",
        strategy: "email_link",
        attempts: 1,
        expireAt: 1717172317000
      })
    })
  )

  // Real responses before mid-2025 and webhook payloads send verifications without `object`.
  it.effect("a verification without `object` decodes to the generic variant, camelCase", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          status: "unverified",
          strategy: "email_code",
          attempts: 2,
          expire_at: 1717172317000,
          verified_at_client: "client_2hTF"
        })
      )
      const verification = user.emailAddresses[0]!.verification
      expect(verification?.expireAt).toBe(1717172317000)
      expect(verification).toStrictEqual({
        status: "unverified",
        strategy: "email_code",
        attempts: 2,
        expireAt: 1717172317000,
        verifiedAtClient: "client_2hTF"
      })
    })
  )

  // The variants' `object` is optional in the spec: without the generic variant first, a
  // verification lacking `object` would decode as the first variant its fields fit.
  it.effect("a verification without `object` is not taken for the first variant its fields fit", () =>
    Effect.gen(function* () {
      const raw = { status: "verified", strategy: "admin", attempts: null, expire_at: null }
      const user = yield* getUser(userWithVerification(raw))
      expect(user.emailAddresses[0]!.verification).toStrictEqual({
        status: "verified",
        strategy: "admin",
        attempts: null,
        expireAt: null
      })
    })
  )

  it.effect("an unknown `object` keeps its tag and decodes every field a known variant declares", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          object: "verification_future",
          status: "verified",
          strategy: "carrier_pigeon",
          attempts: 1,
          expire_at: 1717172317000,
          // Declared by the SAML and OAuth variants only, decoded as they decode it.
          external_verification_redirect_url: null,
          error: { message: "Expired", long_message: "The link expired.", code: "verification_expired" },
          coop_id: "coop_17"
        })
      )
      expect(user.emailAddresses[0]!.verification).toStrictEqual({
        object: "verification_future",
        status: "verified",
        strategy: "carrier_pigeon",
        externalVerificationRedirectUrl: null,
        error: { message: "Expired", longMessage: "The link expired.", code: "verification_expired" },
        expireAt: 1717172317000,
        attempts: 1
      })
    })
  )

  it.effect("in an unknown variant, a value no known variant accepts for its key is left out", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          object: "verification_future",
          status: "verified",
          expire_at: "tomorrow",
          error: { code: 17 }
        })
      )
      const verification = user.emailAddresses[0]!.verification
      expect(verification).toStrictEqual({ object: "verification_future", status: "verified" })
      expect(verification !== null && "expire_at" in verification).toBe(false)
    })
  )

  it.effect("a known `object` with an invalid body still fails", () =>
    Effect.gen(function* () {
      const body = userWithVerification({ object: "verification_otp", status: 3, strategy: "email_code" })
      const error = yield* Effect.flip(getUser(body))
      if (error._tag !== "ResponseValidationError") return expect.unreachable(error._tag)
      expect(error.issues.map((issue) => issue.path.slice(0, 3))).toContainEqual([
        "email_addresses",
        0,
        "verification"
      ])
    })
  )

  it.effect("a null verification stays null", () =>
    Effect.gen(function* () {
      const user = yield* getUser(userWithVerification(null))
      expect(user.emailAddresses[0]!.verification).toBeNull()
    })
  )
})

describe("a model's constant `object`", () => {
  it.effect("is filled in where the wire has none", () =>
    Effect.gen(function* () {
      const { object: _user, ...body } = FakeClerk.user({
        email_addresses: [
          (({ object: _email, ...email }) => email)(
            emailWith({ object: "verification_otp", status: "verified", strategy: "email_code" })
          )
        ]
      })
      const user = yield* getUser(body)
      expect(user.object).toBe("user")
      expect(user.emailAddresses[0]!.object).toBe("email_address")
      expect(user.emailAddresses[0]!.verification?.object).toBe("verification_otp")
    })
  )

  it.effect("is filled in on an invitation", () =>
    Effect.gen(function* () {
      const invitation = yield* answered(Invitations.create({ emailAddress: "ada@example.com" }), {
        body: {
          id: "inv_2hTG5gH6iJ7kL8mN9oP0qR1sT2u",
          email_address: "ada@example.com",
          public_metadata: {},
          status: "pending",
          created_at: 1717171717000,
          updated_at: 1717171717000
        }
      })
      expect(invitation.object).toBe("invitation")
      expect(invitation.emailAddress).toBe("ada@example.com")
    })
  )

  it.effect("that is another value still fails", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(getUser(FakeClerk.user({ object: "organization" })))
      if (error._tag !== "ResponseValidationError") return expect.unreachable(error._tag)
      expect(error.issues.map((issue) => issue.path)).toContainEqual(["object"])
    })
  )
})

describe("metadata is plain data", () => {
  it.effect("a `__proto__` key stays an own key and pollutes no prototype", () =>
    Effect.gen(function* () {
      // Written as text: an object literal would turn `__proto__` into a prototype before sending.
      const text = JSON.stringify(FakeClerk.user()).replace(
        '"public_metadata":{}',
        '"public_metadata":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},"plan":"pro"}'
      )
      const user = yield* answered(Users.get({ userId }), {
        body: text,
        headers: { "content-type": "application/json" }
      })
      const metadata = user.publicMetadata
      expect(Object.keys(metadata)).toEqual(["__proto__", "constructor", "plan"])
      expect(Object.hasOwn(metadata, "__proto__")).toBe(true)
      expect(Object.getOwnPropertyDescriptor(metadata, "__proto__")?.value).toEqual({ isAdmin: true })
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype)
      expect((metadata as { isAdmin?: unknown }).isAdmin).toBeUndefined()
      expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined()
      expect(metadata.plan).toBe("pro")
    })
  )

  it.effect("metadata's inner keys are not renamed on the way in", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        FakeClerk.user({
          private_metadata: { stripe_customer: { customer_id: "cus_1" } },
          unsafe_metadata: { someKey: 1 }
        })
      )
      expect(user.privateMetadata).toEqual({ stripe_customer: { customer_id: "cus_1" } })
      expect(user.unsafeMetadata).toEqual({ someKey: 1 })
    })
  )
})

describe("overlay corrections", () => {
  const membership = (overrides: Record<string, unknown>) => ({
    id: "orgmem_2hTD3eF4gH5iJ6kL7mN8oP9qR0s",
    object: "organization_membership",
    role: "org:member",
    role_name: "Member",
    permissions: ["org:sys_profile:read"],
    public_metadata: {},
    private_metadata: {},
    organization: FakeClerk.organization(),
    created_at: 1717171717000,
    updated_at: 1717171717000,
    ...overrides
  })

  it.effect("OrganizationMembership `permissions: null`", () =>
    Effect.gen(function* () {
      const page = yield* answered(Users.getOrganizationMemberships({ userId }), {
        body: { data: [membership({ permissions: null }), membership({})], total_count: 2 }
      })
      expect(page.totalCount).toBe(2)
      expect(page.data.map((item) => item.permissions)).toEqual([null, ["org:sys_profile:read"]])
    })
  )

  const externalAccount = (verification: unknown) => ({
    object: "external_account",
    id: "eac_2hTE4fG5hI6jK7lM8nO9pQ0rS1t",
    provider: "oauth_google",
    identification_id: "idn_2hTC9zY8xW7vU6tS5rQ4pO3nM2l",
    provider_user_id: "108234567890123456789",
    approved_scopes: "email profile openid",
    email_address: "ada@example.com",
    first_name: "Ada",
    last_name: "Lovelace",
    public_metadata: {},
    created_at: 1717171717000,
    updated_at: 1717171717000,
    verification
  })

  it.effect("an OAuth verification with `expire_at: null`", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        FakeClerk.user({
          external_accounts: [
            externalAccount({
              object: "verification_oauth",
              status: "verified",
              strategy: "oauth_google",
              attempts: null,
              expire_at: null
            })
          ]
        })
      )
      expect(user.externalAccounts[0]!.verification).toMatchObject({
        object: "verification_oauth",
        expireAt: null
      })
    })
  )

  it.effect("an OTP verification with strategy `from_oauth_microsoft`", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        userWithVerification({
          object: "verification_otp",
          status: "verified",
          strategy: "from_oauth_microsoft",
          attempts: null,
          expire_at: null
        })
      )
      expect(user.emailAddresses[0]!.verification).toMatchObject({
        object: "verification_otp",
        strategy: "from_oauth_microsoft"
      })
    })
  )

  it.effect("a SAML verification without `external_verification_redirect_url`", () =>
    Effect.gen(function* () {
      const user = yield* getUser(
        FakeClerk.user({
          saml_accounts: [
            {
              id: "samlacc_2hTF5gH6iJ7kL8mN9oP0qR1sT2u",
              object: "saml_account",
              provider: "saml_okta",
              active: true,
              email_address: "ada@example.com",
              verification: {
                object: "verification_saml",
                status: "verified",
                strategy: "saml",
                attempts: null,
                expire_at: 1717172317000
              }
            }
          ]
        })
      )
      const verification = user.samlAccounts[0]!.verification
      expect(verification).toMatchObject({ object: "verification_saml", status: "verified" })
      expect(verification).not.toHaveProperty("externalVerificationRedirectUrl")
    })
  )

  it.effect("a billing plan without `features`, `description` or `avatar_url`", () =>
    Effect.gen(function* () {
      const money = { amount: 2000, amount_formatted: "20.00", currency: "USD", currency_symbol: "$" }
      const plan = {
        object: "commerce_plan",
        id: "cplan_2hTG6hI7jK8lM9nO0pQ1rS2tU3v",
        name: "Pro",
        fee: money,
        annual_monthly_fee: null,
        annual_fee: null,
        product_id: "prod_2hTG9kL0mN1oP2qR3sT4uV5wX6y",
        is_default: false,
        is_recurring: true,
        publicly_visible: true,
        has_base_fee: true,
        for_payer_type: "user",
        slug: "pro",
        free_trial_enabled: false,
        free_trial_days: null
      }
      const page = yield* answered(Billing.listPlans({ payerType: "user" }), {
        body: { data: [plan], total_count: 1 }
      })
      expect(page.data[0]).toMatchObject({ name: "Pro", slug: "pro", fee: { amountFormatted: "20.00" } })
      expect(page.data[0]!.features).toBeUndefined()
    })
  )

  it.effect("ApiKeys.createApiKey answering 201 Created", () =>
    Effect.gen(function* () {
      const created = yield* answered(ApiKeys.createApiKey({ name: "ci key", subject: userId }), {
        status: 201,
        body: {
          object: "api_key",
          id: "ak_2hTH7iJ8kL9mN0oP1qR2sT3uV4w",
          type: "api_key",
          subject: userId,
          name: "ci key",
          claims: null,
          scopes: [],
          secret: "ak_test_generated",
          revoked: false,
          revocation_reason: null,
          expired: false,
          expiration: null,
          created_by: null,
          last_used_at: null,
          created_at: 1717171717000,
          updated_at: 1717171717000
        }
      })
      expect(created.id).toBe("ak_2hTH7iJ8kL9mN0oP1qR2sT3uV4w")
      expect(created.secret).toBe("ak_test_generated")
    })
  )
})
