/**
 * Deterministic, realistic Clerk users as the wire sends them (snake_case):
 * two email addresses with verifications, a phone number, a Google account,
 * metadata. About 2.7 KB of JSON each, so a 500-user page is about 1.36 MB.
 */

const firstNames = [
  "Ada",
  "Grace",
  "Alan",
  "Edsger",
  "Barbara",
  "Donald",
  "Frances",
  "Ken",
  "Radia",
  "Niklaus"
]
const lastNames = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen",
  "Thompson",
  "Perlman"
]
const pick = <A>(items: ReadonlyArray<A>, n: number): A => items[n % items.length]!

/** A stable pseudo-random id fragment, so that ids look like Clerk's and differ per user. */
const token = (n: number, salt: number) => {
  let x = (n + 1) * 2654435761 + salt * 40503
  let out = ""
  for (let i = 0; i < 27; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[x % 62]
  }
  return out
}

const userId = (n: number) => `user_${token(n, 0)}`

const createdAt = (n: number) => 1_700_000_000_000 + n * 3_600_000

export const makeUser = (n: number) => {
  const first = pick(firstNames, n)
  const last = pick(lastNames, Math.floor(n / 10))
  const handle = `${first}.${last}${n}`.toLowerCase()
  const id = userId(n)
  const emailId = `idn_${token(n, 1)}`
  const workEmailId = `idn_${token(n, 2)}`
  const phoneId = `idn_${token(n, 3)}`
  const oauthId = `idn_${token(n, 4)}`
  const t = createdAt(n)
  return {
    id,
    object: "user",
    external_id: `ext-${n}`,
    primary_email_address_id: emailId,
    primary_phone_number_id: phoneId,
    primary_web3_wallet_id: null,
    username: handle,
    first_name: first,
    last_name: last,
    locale: "en-US",
    image_url: `https://img.clerk.com/${token(n, 7)}`,
    has_image: true,
    public_metadata: {
      plan: pick(["free", "pro", "team"], n),
      seats: n % 50,
      onboarding: { completed: n % 3 !== 0 }
    },
    private_metadata: { stripe_customer_id: `cus_${token(n, 8).slice(0, 14)}` },
    unsafe_metadata: { theme: pick(["dark", "light"], n) },
    email_addresses: [
      {
        id: emailId,
        object: "email_address",
        email_address: `${handle}@example.com`,
        reserved: false,
        verification: {
          object: "verification_otp",
          status: "verified",
          strategy: "email_code",
          attempts: 1,
          expire_at: t + 600_000
        },
        linked_to: [{ type: "oauth_google", id: oauthId }],
        created_at: t,
        updated_at: t + 1_000
      },
      {
        id: workEmailId,
        object: "email_address",
        email_address: `${handle}@work.example.org`,
        reserved: false,
        verification: {
          object: "verification_email_link",
          status: "verified",
          strategy: "email_link",
          attempts: null,
          expire_at: t + 86_400_000
        },
        linked_to: [],
        created_at: t + 5_000,
        updated_at: t + 6_000
      }
    ],
    phone_numbers: [
      {
        id: phoneId,
        object: "phone_number",
        phone_number: `+1555${String(n % 10_000_000).padStart(7, "0")}`,
        default_second_factor: true,
        reserved: false,
        verification: {
          object: "verification_otp",
          status: "verified",
          strategy: "phone_code",
          attempts: 1,
          expire_at: t + 600_000
        },
        linked_to: [],
        created_at: t + 10_000,
        updated_at: t + 11_000
      }
    ],
    web3_wallets: [],
    passkeys: [],
    password_enabled: true,
    two_factor_enabled: true,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: t + 20_000,
    mfa_disabled_at: null,
    external_accounts: [
      {
        object: "google_account",
        id: oauthId,
        provider: "oauth_google",
        identification_id: oauthId,
        provider_user_id: String(100_000_000_000_000_000_000 + n * 7919),
        approved_scopes: "email openid profile",
        email_address: `${handle}@example.com`,
        email_address_verified: true,
        first_name: first,
        last_name: last,
        public_metadata: {},
        created_at: t,
        updated_at: t + 2_000,
        verification: {
          object: "verification_oauth",
          status: "verified",
          strategy: "oauth_google",
          attempts: null,
          expire_at: t + 600_000
        }
      }
    ],
    saml_accounts: [],
    enterprise_accounts: [],
    last_sign_in_at: t + 40_000,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: 100,
    updated_at: t + 50_000,
    created_at: t,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: t + 60_000,
    legal_accepted_at: null
  }
}

/** The JSON of users `from` .. `from + count - 1`, as one array. */
export const usersJson = (from: number, count: number) => {
  const parts: Array<string> = []
  for (let n = from; n < from + count; n++) parts.push(JSON.stringify(makeUser(n)))
  return `[${parts.join(",")}]`
}
