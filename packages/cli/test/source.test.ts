import { describe, expect, it } from "@effect/vitest"
import * as ImportRow from "../src/ImportRow.js"
import * as Source from "../src/Source.js"

const clerk = { format: "clerk" } as const

describe("Source.fromText: Clerk's migration format", () => {
  it("reads a JSON array, naming each row by the line it starts on", () => {
    const text = `[
  { "userId": "1", "email": "dev@example.com", "firstName": "Dev" },
  {
    "userId": "2",
    "email": "john@example.com",
    "password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
    "passwordHasher": "bcrypt"
  },
  { "userId": "3", "email": "x@example.com", "passwordHasher": "md5" }
]`
    const source = Source.fromText("json", text, clerk)
    expect(source.rows.map((row) => row.line)).toEqual([2, 3])
    expect(source.rows[1]!.user.password).toEqual({
      digest: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
      hasher: "bcrypt"
    })
    expect(source.issues).toEqual([
      { line: 9, userId: "3", reason: "passwordHasher without a password digest" }
    ])
  })

  it("a broken JSON file is one issue naming the line where it breaks", () => {
    const source = Source.fromText(
      "json",
      `[\n  { "userId": "1", "email": "a@example.com" },\n\n  { "userId": "2" }\n  { "userId": "3" }\n]`,
      clerk
    )
    expect(source.rows).toEqual([])
    expect(source.issues).toHaveLength(1)
    expect(source.issues[0]!.line).toBe(5)
    expect(source.issues[0]!.reason).toMatch(/^not JSON, so no row of this file can be read: /)
  })

  it("reads a CSV with JSON metadata cells and booleans; a row with a cell missing names its line", () => {
    const text = [
      "userId,email,emailVerified,firstName,public_metadata",
      `1,a@example.com,false,Ada,"{""plan"":""pro""}"`,
      "2,b@example.com,true",
      `3,"c@example.com",,"Multi`,
      `line",`
    ].join("\n")
    const source = Source.fromText("csv", text, clerk)
    expect(source.rows.map((row) => [row.line, row.user])).toEqual([
      [
        2,
        {
          externalId: "1",
          emails: [{ address: "a@example.com", verified: false }],
          phones: [],
          firstName: "Ada",
          publicMetadata: { plan: "pro" }
        }
      ],
      [
        5,
        {
          externalId: "3",
          emails: [{ address: "c@example.com", verified: true }],
          phones: [],
          firstName: "Multi\nline"
        }
      ]
    ])
    expect(source.issues).toEqual([
      {
        line: 3,
        reason:
          "3 cells, but the header has 5 columns (userId, email, emailVerified, firstName, public_metadata)"
      }
    ])
  })

  it("refuses unknown keys, missing ids and identifiers, bad emails, phones, dates and metadata", () => {
    const lines = [
      { userId: "1", email: "a@example.com", firstname: "Ada" },
      { email: "b@example.com" },
      { userId: "3", firstName: "No identifier" },
      { userId: "4", email: ["d@example.com", "nope"] },
      { userId: "5", phone: "555-1234" },
      { userId: "6", email: "f@example.com", createdAt: "yesterday" },
      { userId: "7", email: "g@example.com", public_metadata: "{not json" }
    ]
    const source = Source.fromText("jsonl", lines.map((line) => JSON.stringify(line)).join("\n"), clerk)
    expect(source.rows).toEqual([])
    expect(source.issues.map((issue) => `${issue.line} ${issue.reason}`)).toEqual([
      expect.stringMatching(/^1 firstname: is unexpected, expected: "userId" \| "email" \| /),
      "2 userId: is missing",
      "3 no email, phone or username: Clerk needs an identifier to sign in with",
      '4 email: "nope": not an email address',
      '5 phone: "555-1234": not a phone number in E.164 form (+15551234567)',
      "6 createdAt: not a date (ISO 8601 or epoch milliseconds)",
      expect.stringMatching(/^7 public_metadata: /)
    ])
  })

  it("keeps both rows of a duplicated id out, each naming the other's line", () => {
    const text = [
      `{"userId":"1","email":"a@example.com"}`,
      `{"userId":"2","email":"b@example.com"}`,
      `{"userId":"1","email":"c@example.com"}`
    ].join("\n")
    const source = Source.fromText("jsonl", text, clerk)
    expect(source.rows.map((row) => row.user.externalId)).toEqual(["2"])
    expect(source.issues).toEqual([
      { line: 1, userId: "1", reason: "duplicate row: userId 1 is also on line 3" },
      { line: 3, userId: "1", reason: "duplicate row: userId 1 is also on line 1" }
    ])
  })

  it("writes rows back in the format it reads", () => {
    const text = JSON.stringify({
      userId: "9",
      email: ["a@example.com", "b@example.com"],
      emailVerified: false,
      phone: "+15551234567",
      username: "ada_l",
      password: "$2a$10$x",
      passwordHasher: "bcrypt",
      private_metadata: { tier: 2 },
      createdAt: "2020-01-02T03:04:05.000Z"
    })
    const [row] = Source.fromText("jsonl", text, clerk).rows
    expect(ImportRow.toRecord(row!.user)).toEqual(JSON.parse(text))
    expect(ImportRow.toCreateParams(row!.user)).toEqual({
      externalId: "9",
      emailAddress: ["a@example.com", "b@example.com"],
      emailAddressIdentificationStatus: ["reserved", "reserved"],
      phoneNumber: ["+15551234567"],
      phoneNumberIdentificationStatus: ["verified"],
      username: "ada_l",
      passwordDigest: "$2a$10$x",
      passwordHasher: "bcrypt",
      privateMetadata: { tier: 2 },
      createdAt: "2020-01-02T03:04:05.000Z"
    })
  })
})

describe("Source.fromText: other providers' exports", () => {
  it("Auth0: users and the password-hash export", () => {
    const text = [
      JSON.stringify({
        user_id: "auth0|abc",
        email: "ada@example.com",
        email_verified: true,
        given_name: "Ada",
        family_name: "Lovelace",
        created_at: "2021-05-01T10:00:00.000Z",
        user_metadata: { theme: "dark" },
        app_metadata: { roles: ["admin"] },
        logins_count: 12
      }),
      JSON.stringify({
        _id: { $oid: "60a1" },
        email: "bob@example.com",
        email_verified: false,
        passwordHash: "$2b$10$hash"
      })
    ].join("\n")
    const source = Source.fromText("jsonl", text, { format: "auth0" })
    expect(source.issues).toEqual([])
    expect(source.rows.map((row) => row.user)).toEqual([
      {
        externalId: "auth0|abc",
        emails: [{ address: "ada@example.com", verified: true }],
        phones: [],
        firstName: "Ada",
        lastName: "Lovelace",
        unsafeMetadata: { theme: "dark" },
        privateMetadata: { roles: ["admin"] },
        createdAt: "2021-05-01T10:00:00.000Z"
      },
      {
        externalId: "auth0|60a1",
        emails: [{ address: "bob@example.com", verified: false }],
        phones: [],
        password: { digest: "$2b$10$hash", hasher: "bcrypt" }
      }
    ])
  })

  it("Firebase: scrypt digests need the project's hash parameters", () => {
    const text = JSON.stringify({
      users: [
        {
          localId: "fb1",
          email: "ada@example.com",
          emailVerified: true,
          passwordHash: "aGFzaA==",
          salt: "c2FsdA==",
          displayName: "Ada King Lovelace",
          createdAt: "1600000000000",
          customAttributes: '{"plan":"pro"}'
        }
      ]
    })
    const without = Source.fromText("json", text, { format: "firebase" })
    expect(without.issues).toEqual([
      {
        line: 1,
        userId: "fb1",
        reason: "passwordHash: a Firebase password hash needs --firebase-hash-config"
      }
    ])
    const config = { base64_signer_key: "a2V5", base64_salt_separator: "Bw==", rounds: 8, mem_cost: 14 }
    const source = Source.fromText("json", text, { format: "firebase", firebaseHashConfig: config })
    expect(source.rows.map((row) => row.user)).toEqual([
      {
        externalId: "fb1",
        emails: [{ address: "ada@example.com", verified: true }],
        phones: [],
        firstName: "Ada",
        lastName: "King Lovelace",
        password: { digest: "aGFzaA==$c2FsdA==$a2V5$Bw==$8$14", hasher: "scrypt_firebase" },
        publicMetadata: { plan: "pro" },
        createdAt: "2020-09-13T12:26:40.000Z"
      }
    ])
  })

  it("Supabase: auth.users as CSV, confirmed dates as verified state, phones given their +", () => {
    const text = [
      "id,email,email_confirmed_at,phone,phone_confirmed_at,encrypted_password,raw_user_meta_data,raw_app_meta_data,created_at",
      `4f1c,ada@example.com,2024-01-01 00:00:00+00,15551234567,,$2a$10$abc,"{""name"":""Ada""}","{""provider"":""email""}",2024-01-01T00:00:00Z`
    ].join("\n")
    const source = Source.fromText("csv", text, { format: "supabase" })
    expect(source.issues).toEqual([])
    expect(source.rows[0]!.user).toEqual({
      externalId: "4f1c",
      emails: [{ address: "ada@example.com", verified: true }],
      phones: [{ number: "+15551234567", verified: false }],
      password: { digest: "$2a$10$abc", hasher: "bcrypt" },
      unsafeMetadata: { name: "Ada" },
      privateMetadata: { provider: "email" },
      createdAt: "2024-01-01T00:00:00.000Z"
    })
  })
})
