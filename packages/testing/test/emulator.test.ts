import { HttpClient, HttpClientRequest } from "@effect/platform"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createLocalJWKSet, jwtVerify } from "jose"
import { at, str } from "./harness.js"

// The service API used to seed fixtures and assert on state.

const withEmulator = <A, E>(body: (emulator: ClerkEmulator.Emulator) => Effect.Effect<A, E>) =>
  Effect.flatMap(ClerkEmulator.make(), body)

describe("ClerkEmulator service", () => {
  it.effect("seeds users, organizations, memberships and sessions through the API's rules", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const ada = yield* emulator.seedUser({ emailAddress: ["ada@example.com"], firstName: "Ada" })
        expect(ada.id).toMatch(/^user_/)
        const org = yield* emulator.seedOrganization({ name: "Acme", createdBy: ada.id })
        const bob = yield* emulator.seedUser({ emailAddress: ["bob@example.com"] })
        yield* emulator.seedMembership({ organizationId: org.id, userId: bob.id, role: "org:member" })
        const session = yield* emulator.seedSession({ userId: ada.id, activeOrganizationId: org.id })
        expect(session).toMatchObject({
          object: "session",
          userId: ada.id,
          lastActiveOrganizationId: org.id
        })
        const duplicate = yield* Effect.flip(emulator.seedUser({ emailAddress: ["ada@example.com"] }))
        expect(duplicate).toMatchObject({ _tag: "ClerkUnprocessableEntity", status: 422 })
        expect(duplicate._tag === "ClerkUnprocessableEntity" && duplicate.errors[0]?.code).toBe(
          "form_identifier_exists"
        )

        const snapshot = yield* emulator.snapshot
        expect(snapshot.users.map((u) => u.id)).toEqual([ada.id, bob.id])
        expect(snapshot.organizations).toEqual([expect.objectContaining({ id: org.id, membersCount: 2 })])
        expect(snapshot.organizationMemberships.map((m) => m.role)).toEqual(["org:admin", "org:member"])
        expect(snapshot.sessions.map((s) => s.id)).toEqual([session.id])
        expect(yield* emulator.request("GET", "users/count")).toEqual({
          object: "total_count",
          total_count: 2
        })
      })
    )
  )

  it.effect("signs session tokens with azp and the active organization, verifiable with its JWKS", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const user = yield* emulator.seedUser({ firstName: "Tok" })
        const org = yield* emulator.seedOrganization({ name: "Org", slug: "org", createdBy: user.id })
        const session = yield* emulator.seedSession({ userId: user.id, activeOrganizationId: org.id })
        const jwt = yield* emulator.sessionToken(session.id, {
          azp: "http://localhost:3000",
          expiresInSeconds: 300
        })
        const { payload, protectedHeader } = yield* Effect.promise(() =>
          jwtVerify(jwt, createLocalJWKSet({ keys: [...emulator.jwks.keys] }), { issuer: emulator.issuer })
        )
        expect(protectedHeader).toMatchObject({ alg: "RS256", kid: emulator.jwks.keys[0]?.kid, typ: "JWT" })
        expect(payload).toMatchObject({
          sub: user.id,
          sid: session.id,
          azp: "http://localhost:3000",
          iss: "https://clerk.emulator.local",
          v: 2,
          o: { id: org.id, rol: "admin", slg: "org" }
        })
        expect(Number(payload.exp) - Number(payload.iat)).toBe(300)
        expect(Number(payload.nbf)).toBeLessThanOrEqual(Number(payload.iat))
        const missing = yield* Effect.flip(emulator.sessionToken("sess_missing"))
        expect(missing.status).toBe(404)
      })
    )
  )

  it.effect("prepare_verification puts a code in the outbox; attempt_verification takes only that code", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const user = yield* emulator.seedUser({ firstName: "Otp" })
        const email = yield* emulator.request("POST", "email_addresses", {
          user_id: user.id,
          email_address: "otp@example.com",
          verified: false
        })
        const emailId = str(email, "id")
        expect(at(email, "verification", "status")).toBe("unverified")
        const prepared = yield* emulator.request(
          "POST",
          `email_addresses/${emailId}/prepare_verification`,
          {}
        )
        const [message] = yield* emulator.outbox
        expect(at(prepared, "id")).toBe(message?.verificationId)
        expect(message).toMatchObject({ channel: "email", to: "otp@example.com", identificationId: emailId })
        expect(message?.code).toMatch(/^\d{6}$/)
        const wrong = yield* Effect.flip(
          emulator.request("POST", `email_addresses/${emailId}/attempt_verification`, {
            code: message?.code === "000000" ? "111111" : "000000",
            verification_id: message?.verificationId
          })
        )
        expect(wrong.status).toBe(422)
        expect(at(wrong.body, "errors", 0, "code")).toBe("form_code_incorrect")
        const verified = yield* emulator.request("POST", `email_addresses/${emailId}/attempt_verification`, {
          code: message?.code,
          verification_id: message?.verificationId
        })
        expect(at(verified, "status")).toBe("verified")
        expect(
          at(yield* emulator.request("GET", `email_addresses/${emailId}`), "verification", "status")
        ).toBe("verified")
      })
    )
  )

  it.effect("each emulator has its own state and signing key", () =>
    Effect.gen(function* () {
      const a = yield* ClerkEmulator.make()
      const b = yield* ClerkEmulator.make()
      yield* a.seedUser({ firstName: "OnlyInA" })
      expect((yield* b.snapshot).users).toEqual([])
      expect(a.jwks.keys[0]?.kid).not.toBe(b.jwks.keys[0]?.kid)
    })
  )

  it.effect("a configured secret key is enforced; the emulator's own calls carry it", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make({ secretKey: "sk_test_right" })
      const client = ClerkEmulator.httpClient(emulator)
      const get = (key: string) =>
        client.execute(
          HttpClientRequest.get("https://api.clerk.com/v1/users").pipe(HttpClientRequest.bearerToken(key))
        )
      expect((yield* get("sk_test_wrong")).status).toBe(401)
      expect((yield* get("sk_test_right")).status).toBe(200)
      expect(emulator.secretKey).toBe("sk_test_right")
      yield* emulator.seedUser({ firstName: "Seeded" })
    })
  )

  it.effect("concurrent creates of one email address: exactly one wins", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const results = yield* Effect.all(
          Array.from({ length: 50 }, () =>
            Effect.either(emulator.seedUser({ emailAddress: ["race@example.com"] }))
          ),
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r._tag === "Right")).toHaveLength(1)
        expect((yield* emulator.snapshot).users).toHaveLength(1)
      })
    )
  )

  it.effect("multipart bodies: a FormData request uploads, a broken one answers 400", () =>
    withEmulator((emulator) =>
      Effect.gen(function* () {
        const user = yield* emulator.seedUser({ firstName: "Form" })
        const form = new FormData()
        form.append("file", new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" }), "a.png")
        const uploaded = yield* ClerkEmulator.httpClient(emulator).execute(
          HttpClientRequest.post(`https://api.clerk.com/v1/users/${user.id}/profile_image`).pipe(
            HttpClientRequest.bearerToken(emulator.secretKey),
            HttpClientRequest.bodyFormData(form)
          )
        )
        expect(uploaded.status).toBe(200)
        expect(at(yield* uploaded.json, "has_image")).toBe(true)
        const broken = yield* emulator.handle({
          method: "POST",
          url: new URL(`https://api.clerk.com/v1/users/${user.id}/profile_image`),
          authorization: `Bearer ${emulator.secretKey}`,
          contentType: "multipart/form-data; boundary=nope",
          body: new TextEncoder().encode("not a multipart body")
        })
        expect(broken.status).toBe(400)
        expect(at(JSON.parse(broken.body), "errors", 0, "code")).toBe("malformed_request")
        expect(at(yield* emulator.request("GET", `users/${user.id}`), "has_image")).toBe(true)
      })
    )
  )

  it.effect("layerHttpClient serves the emulator in context", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const user = yield* emulator.seedUser({ firstName: "Layer" })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.get(`https://api.clerk.com/v1/users/${user.id}`).pipe(
          HttpClientRequest.bearerToken("sk_any")
        )
      )
      expect(str(yield* response.json, "first_name")).toBe("Layer")
    }).pipe(Effect.provide(ClerkEmulator.layer))
  )

  it.effect("startServer serves over HTTP until closed", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(() => ClerkEmulator.startServer())
      expect(server.apiUrl).toBe(`http://127.0.0.1:${server.port}/v1`)
      const body = yield* Effect.promise(async () => {
        const response = await fetch(`${server.apiUrl}/users`, {
          method: "POST",
          headers: { authorization: "Bearer sk_test_x", "content-type": "application/json" },
          body: JSON.stringify({ first_name: "Plain" })
        })
        return response.json()
      })
      expect(at(body, "first_name")).toBe("Plain")
      expect((yield* server.emulator.snapshot).users).toHaveLength(1)
      yield* Effect.promise(() => server.close())
      const refused = yield* Effect.promise(() =>
        fetch(`${server.apiUrl}/users`).then(
          () => "open",
          () => "refused"
        )
      )
      expect(refused).toBe("refused")
    })
  )
})
