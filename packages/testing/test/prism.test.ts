import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Data, Duration, Effect, Layer } from "effect"
import { loadCorrectedSpec } from "../../codegen/src/generate.js"
import { at, str } from "./harness.js"
import { operations } from "../src/internal/generated/operations.js"
import { matchRoute } from "../src/internal/router.js"
import { fill, type OperationSpec } from "../src/internal/shape.js"
import { repoRoot, requireSpec, specPath } from "./spec.js"

// Prism in proxy mode validates every emulator response against the spec; with
// --errors a violation turns into a 500 carrying an `sl-violations` header.
// Prism routes the spec's paths without the server's `/v1` base path and
// forwards them to the upstream URL joined with the request path, so with the
// upstream `<emulator>/v1` the emulator receives `/v1/...`.

class PrismError extends Data.TaggedError("PrismError")<{ readonly message: string }> {}

const freePort = Effect.async<number, PrismError>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() =>
      resume(port > 0 ? Effect.succeed(port) : Effect.fail(new PrismError({ message: "no free port" })))
    )
  })
})

const waitForListening = (child: ChildProcess) =>
  Effect.async<void, PrismError>((resume) => {
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Prism is listening")) resume(Effect.void)
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.once("exit", (code) =>
      resume(Effect.fail(new PrismError({ message: `prism exited (${code}): ${output}` })))
    )
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.seconds(60),
      onTimeout: () => new PrismError({ message: "prism did not start within 60s" })
    })
  )

interface Exchange {
  readonly status: number
  readonly violations: string | null
  readonly body: unknown
}

class Prism extends Context.Tag("test/Prism")<
  Prism,
  {
    readonly send: (method: string, path: string, body?: unknown) => Effect.Effect<Exchange>
    readonly emulator: ClerkEmulator.Emulator
    /** The operationIds that answered their success status with no violation. */
    readonly covered: Set<string>
  }
>() {}

/** Prism proxying an emulator, checking its answers against the spec file `specFile` names. */
const prismLayer = (specFile: Effect.Effect<string>) =>
  Layer.scoped(
    Prism,
    Effect.gen(function* () {
      const spec = yield* specFile
      const emulator = yield* Effect.acquireRelease(
        Effect.promise(() => ClerkEmulator.startServer()),
        (server) => Effect.promise(() => server.close())
      )
      const port = yield* freePort
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(
            process.execPath,
            [
              resolve(repoRoot, "node_modules/@stoplight/prism-cli/dist/index.js"),
              "proxy",
              spec,
              emulator.apiUrl,
              "--errors",
              "-p",
              String(port),
              "-h",
              "127.0.0.1"
            ],
            { stdio: ["ignore", "pipe", "pipe"] }
          )
        ),
        (child) => Effect.sync(() => child.kill())
      )
      yield* waitForListening(child)
      const send = (method: string, path: string, body?: unknown) =>
        Effect.promise(async (): Promise<Exchange> => {
          // A FormData body goes as multipart, fetch choosing the boundary; anything else as JSON.
          const response = await fetch(`http://127.0.0.1:${port}${path}`, {
            method,
            headers: {
              authorization: "Bearer sk_test_prism",
              ...(body instanceof FormData ? {} : { "content-type": "application/json" })
            },
            ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) })
          })
          const text = await response.text()
          return {
            status: response.status,
            violations: response.headers.get("sl-violations"),
            body: text === "" ? undefined : JSON.parse(text)
          }
        })
      return { send, emulator: emulator.emulator, covered: new Set<string>() }
    })
  )

// The emulator's answers are shaped by the spec as published, which Prism checks.
const PrismLive = prismLayer(Effect.succeed(specPath))

/** The spec with the overlay's corrections: the statuses Clerk answers beyond the published spec. */
const CorrectedPrismLive = prismLayer(
  Effect.sync(() => {
    const file = join(tmpdir(), `clerk-bapi-corrected-emulator-${process.pid}.json`)
    writeFileSync(file, JSON.stringify(loadCorrectedSpec(specPath)))
    return file
  })
)

describe.runIf(requireSpec("prism proxy"))(
  "emulator responses validate against the spec (Prism proxy)",
  () => {
    layer(PrismLive, { excludeTestServices: true, timeout: Duration.seconds(90) })((it) => {
      /** Sends through Prism, expects the status and no violation, answers the body. */
      const expectValid = (status: number, method: string, path: string, body?: unknown) =>
        Effect.flatMap(Prism, (prism) => prism.send(method, path, body)).pipe(
          Effect.tap((exchange) =>
            Effect.map(Prism, ({ covered }) => {
              const operation = matchRoute(method, new URL(path, "http://x").pathname)
              if (operation && exchange.status === status && status < 300 && exchange.violations === null)
                covered.add(operation.route.operationId)
              expect({
                request: `${method} ${path}`,
                violations: exchange.violations,
                status: exchange.status
              }).toEqual({
                request: `${method} ${path}`,
                violations: null,
                status
              })
            })
          ),
          Effect.map((exchange) => exchange.body)
        )
      const valid = (method: string, path: string, body?: unknown) => expectValid(200, method, path, body)

      it.effect("users, email addresses and phone numbers", () =>
        Effect.gen(function* () {
          const user = yield* valid("POST", "/users", {
            email_address: ["ada@example.com"],
            phone_number: ["+15555550100"],
            username: "ada_l",
            first_name: "Ada",
            password: "correct horse battery",
            public_metadata: { plan: "pro" }
          })
          const userId = str(user, "id")
          yield* valid("GET", `/users/${userId}`)
          yield* valid("GET", "/users?limit=5&order_by=-created_at&email_address=ada@example.com&query=ada")
          yield* valid("GET", "/users/count?query=ada")
          yield* valid("GET", "/users?user_id=-user_missing&organization_id=%2Borg_missing&external_id=-x")
          yield* valid("PATCH", `/users/${userId}`, { last_name: "Lovelace" })
          yield* valid("PATCH", `/users/${userId}/metadata`, { public_metadata: { plan: null, seats: 2 } })
          yield* valid("PUT", `/users/${userId}/metadata`, { private_metadata: { x: 1 } })
          yield* valid("POST", `/users/${userId}/ban`)
          yield* valid("POST", `/users/${userId}/unban`)
          yield* valid("POST", "/users/ban", { user_ids: [userId] })
          yield* valid("POST", "/users/unban", { user_ids: [userId] })
          yield* valid("POST", `/users/${userId}/lock`)
          yield* valid("POST", `/users/${userId}/unlock`)
          const image = new FormData()
          image.append("file", new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }), "a.png")
          expect(at(yield* valid("POST", `/users/${userId}/profile_image`, image), "has_image")).toBe(true)
          yield* expectValid(400, "POST", `/users/${userId}/profile_image`, new FormData())
          yield* valid("DELETE", `/users/${userId}/profile_image`)
          const email = yield* valid("POST", "/email_addresses", {
            user_id: userId,
            email_address: "second@example.com"
          })
          yield* valid("GET", `/email_addresses/${str(email, "id")}`)
          yield* valid("PATCH", `/email_addresses/${str(email, "id")}`, { verified: true, primary: true })
          yield* valid("DELETE", `/email_addresses/${str(email, "id")}`)
          const phone = yield* valid("POST", "/phone_numbers", {
            user_id: userId,
            phone_number: "+15555550101"
          })
          yield* valid("GET", `/phone_numbers/${str(phone, "id")}`)
          yield* valid("PATCH", `/phone_numbers/${str(phone, "id")}`, { reserved_for_second_factor: true })
          yield* valid("DELETE", `/phone_numbers/${str(phone, "id")}`)
          yield* expectValid(422, "POST", "/users", { email_address: ["ada@example.com"] })
          yield* expectValid(404, "GET", "/users/user_missing")
          yield* expectValid(404, "GET", "/email_addresses/idn_missing")
          yield* valid("DELETE", `/users/${userId}`)
        })
      )

      it.effect("organizations, memberships and organization invitations", () =>
        Effect.gen(function* () {
          const owner = yield* valid("POST", "/users", {
            email_address: ["owner@example.com"],
            first_name: "Olive"
          })
          const member = yield* valid("POST", "/users", { email_address: ["member@example.com"] })
          const org = yield* valid("POST", "/organizations", { name: "Acme", created_by: str(owner, "id") })
          const orgId = str(org, "id")
          yield* valid("GET", `/organizations/${orgId}?include_members_count=true`)
          yield* valid("GET", "/organizations?limit=10&include_members_count=true&order_by=-created_at")
          yield* valid("PATCH", `/organizations/${orgId}`, { name: "Acme Corp" })
          yield* valid("PATCH", `/organizations/${orgId}/metadata`, { public_metadata: { a: { b: 1 } } })
          yield* valid("PUT", `/organizations/${orgId}/metadata`, { private_metadata: { c: 2 } })
          const logo = new FormData()
          logo.append(
            "file",
            new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }),
            "logo.png"
          )
          logo.append("uploader_user_id", str(owner, "id"))
          expect(at(yield* valid("PUT", `/organizations/${orgId}/logo`, logo), "has_image")).toBe(true)
          yield* valid("DELETE", `/organizations/${orgId}/logo`)
          const memberId = str(member, "id")
          yield* valid("POST", `/organizations/${orgId}/memberships`, {
            user_id: memberId,
            role: "org:member"
          })
          yield* valid("GET", `/organizations/${orgId}/memberships?order_by=-created_at`)
          yield* valid("PATCH", `/organizations/${orgId}/memberships/${memberId}`, { role: "org:admin" })
          yield* valid("PATCH", `/organizations/${orgId}/memberships/${memberId}/metadata`, {
            public_metadata: { t: 1 }
          })
          yield* valid("GET", `/users/${memberId}/organization_memberships`)
          yield* valid("GET", "/organization_memberships")
          yield* valid("DELETE", `/organizations/${orgId}/memberships/${memberId}`)
          const invitation = yield* valid("POST", `/organizations/${orgId}/invitations`, {
            email_address: "member@example.com",
            role: "org:member",
            inviter_user_id: str(owner, "id")
          })
          yield* valid("POST", `/organizations/${orgId}/invitations`, {
            email_address: "x@example.com",
            role: "org:member"
          })
          yield* valid("POST", `/organizations/${orgId}/invitations/bulk`, [
            { email_address: "y@example.com", role: "org:member" }
          ])
          yield* valid("GET", `/organizations/${orgId}/invitations?status=pending`)
          yield* valid("GET", `/organizations/${orgId}/invitations/pending`)
          yield* valid("GET", `/organizations/${orgId}/invitations/${str(invitation, "id")}`)
          yield* valid("GET", "/organization_invitations")
          yield* valid("GET", `/users/${memberId}/organization_invitations`)
          yield* valid("POST", `/organizations/${orgId}/invitations/${str(invitation, "id")}/revoke`, {})
          yield* expectValid(404, "GET", "/organizations/org_missing")
          yield* valid("DELETE", `/organizations/${orgId}`)
        })
      )

      it.effect("invitations", () =>
        Effect.gen(function* () {
          const invitation = yield* valid("POST", "/invitations", { email_address: "guest@example.com" })
          yield* valid("POST", "/invitations/bulk", [{ email_address: "guest2@example.com" }])
          yield* valid("GET", "/invitations?status=pending")
          yield* valid("POST", `/invitations/${str(invitation, "id")}/revoke`)
          yield* expectValid(422, "POST", "/invitations", { email_address: "guest2@example.com" })
        })
      )

      it.effect("error answers the SDK scenarios rely on", () =>
        Effect.gen(function* () {
          const user = yield* valid("POST", "/users", { phone_number: ["+15555550150"] })
          yield* expectValid(422, "POST", "/users", { phone_number: ["+15555550150"] })
          yield* expectValid(422, "GET", "/users?order_by=-shoe_size")
          yield* expectValid(404, "PATCH", "/users/user_missing/metadata", { public_metadata: {} })
          yield* expectValid(404, "DELETE", "/users/user_missing")
          const org = yield* valid("POST", "/organizations", { name: "Tiny", max_allowed_memberships: 1 })
          const orgId = str(org, "id")
          yield* valid("POST", `/organizations/${orgId}/memberships`, {
            user_id: str(user, "id"),
            role: "org:admin"
          })
          yield* expectValid(422, "POST", `/organizations/${orgId}/memberships`, {
            user_id: str(user, "id"),
            role: "org:admin"
          })
          const other = yield* valid("POST", "/users", { first_name: "Other" })
          yield* expectValid(403, "POST", `/organizations/${orgId}/memberships`, {
            user_id: str(other, "id"),
            role: "org:member"
          })
          yield* expectValid(404, "DELETE", `/organizations/${orgId}/memberships/user_missing`)
          const invitation = yield* valid("POST", "/invitations", { email_address: "twice@example.com" })
          yield* valid("POST", `/invitations/${str(invitation, "id")}/revoke`)
          yield* expectValid(400, "POST", `/invitations/${str(invitation, "id")}/revoke`)
          yield* expectValid(404, "POST", "/sessions/sess_missing/tokens")
          const blocked = yield* valid("POST", "/blocklist_identifiers", { identifier: "blocked@prism.test" })
          yield* expectValid(400, "POST", "/blocklist_identifiers", { identifier: "blocked@prism.test" })
          yield* expectValid(422, "POST", "/allowlist_identifiers", { identifier: "nobody" })
          yield* expectValid(403, "POST", "/users", { email_address: ["blocked@prism.test"] })
          yield* valid("DELETE", `/blocklist_identifiers/${str(blocked, "id")}`)
          yield* expectValid(404, "DELETE", `/blocklist_identifiers/${str(blocked, "id")}`)
          // The emulator's 501 for operations it does not implement cannot be checked here: Prism's
          // proxy answers an upstream 501 with a mock of its own.
        })
      )

      it.effect("sessions, tokens and JWKS", () =>
        Effect.gen(function* () {
          const user = yield* valid("POST", "/users", { first_name: "Sam" })
          const session = yield* valid("POST", "/sessions", { user_id: str(user, "id") })
          const sessionId = str(session, "id")
          yield* valid("GET", `/sessions/${sessionId}`)
          yield* valid("GET", `/sessions?user_id=${str(user, "id")}`)
          const token = yield* valid("POST", `/sessions/${sessionId}/tokens`, { expires_in_seconds: 120 })
          expect(at(token, "object")).toBe("token")
          yield* valid("GET", "/jwks")
          yield* valid("POST", `/sessions/${sessionId}/revoke`)
          yield* expectValid(404, "GET", "/sessions/sess_missing")
        })
      )

      it.effect("organization roles and permissions, JWT templates and their tokens", () =>
        Effect.gen(function* () {
          const permission = yield* valid("POST", "/organization_permissions", {
            name: "Read invoices",
            key: "org:invoices:read",
            description: "Lets a member read invoices"
          })
          const permissionId = str(permission, "id")
          yield* valid("GET", `/organization_permissions/${permissionId}`)
          yield* valid("GET", "/organization_permissions?query=invoices&order_by=key&limit=5")
          yield* valid("PATCH", `/organization_permissions/${permissionId}`, { name: "Read all invoices" })
          const manage = yield* valid("POST", "/organization_permissions", {
            name: "Manage invoices",
            key: "org:invoices:manage"
          })
          yield* expectValid(422, "POST", "/organization_permissions", { name: "x", key: "org:sys_x:y" })
          const system = yield* valid("GET", "/organization_permissions?query=org:sys_profile:manage")
          yield* expectValid(403, "DELETE", `/organization_permissions/${str(system, "data", 0, "id")}`)
          const role = yield* valid("POST", "/organization_roles", {
            name: "Accountant",
            key: "org:accountant",
            description: null,
            permissions: [permissionId]
          })
          const roleId = str(role, "id")
          yield* valid("GET", `/organization_roles/${roleId}`)
          yield* valid("GET", "/organization_roles?order_by=-created_at")
          yield* valid("PATCH", `/organization_roles/${roleId}`, { description: "Books" })
          yield* valid("POST", `/organization_roles/${roleId}/permissions/${str(manage, "id")}`)
          yield* expectValid(409, "POST", `/organization_roles/${roleId}/permissions/${str(manage, "id")}`)
          yield* valid("DELETE", `/organization_roles/${roleId}/permissions/${str(manage, "id")}`)
          yield* expectValid(422, "DELETE", `/organization_roles/${roleId}/permissions/${str(manage, "id")}`)
          yield* expectValid(422, "POST", "/organization_roles", { name: "Again", key: "org:accountant" })

          const owner = yield* valid("POST", "/users", { first_name: "Rita" })
          const org = yield* valid("POST", "/organizations", {
            name: "Ledgers",
            created_by: str(owner, "id")
          })
          const member = yield* valid("POST", "/users", { first_name: "Tom" })
          yield* valid("POST", `/organizations/${str(org, "id")}/memberships`, {
            user_id: str(member, "id"),
            role: "org:accountant"
          })
          yield* expectValid(422, "DELETE", `/organization_roles/${roleId}`)
          const session = yield* valid("POST", "/sessions", { user_id: str(member, "id") })
          expect(at(session, "last_active_organization_id")).toBe(str(org, "id"))

          const template = yield* valid("POST", "/jwt_templates", {
            name: "claims",
            claims: { email: "{{user.primary_email_address}}", org: "{{org.slug}}" },
            lifetime: 120
          })
          const templateId = str(template, "id")
          yield* valid("GET", `/jwt_templates/${templateId}`)
          yield* valid("GET", "/jwt_templates")
          yield* valid("PATCH", `/jwt_templates/${templateId}`, { name: "claims", claims: { n: 1 } })
          yield* expectValid(422, "POST", "/jwt_templates", { name: "claims", claims: {} })
          const token = yield* valid("POST", `/sessions/${str(session, "id")}/tokens/claims`, {
            expires_in_seconds: 60
          })
          expect(at(token, "object")).toBe("token")
          yield* expectValid(404, "POST", `/sessions/${str(session, "id")}/tokens/missing`)
          yield* valid("DELETE", `/jwt_templates/${templateId}`)
          yield* valid("DELETE", `/organizations/${str(org, "id")}`)
          yield* valid("DELETE", `/organization_roles/${roleId}`)
          yield* valid("DELETE", `/organization_permissions/${permissionId}`)
        })
      )

      it.effect("every operation answers its success status with a spec-valid body", () =>
        Effect.gen(function* () {
          const { send, emulator, covered } = yield* Prism
          const user = yield* emulator.seedUser({
            emailAddress: ["every@example.com"],
            phoneNumber: ["+15555550199"],
            password: "every-operation-1"
          })
          const org = yield* emulator.seedOrganization({ name: "Every", createdBy: user.id })
          const member = yield* emulator.seedUser({ firstName: "Member" })
          yield* emulator.seedMembership({ organizationId: org.id, userId: member.id, role: "org:member" })
          const session = yield* emulator.seedSession({ userId: user.id })
          // The value of each path parameter, by the path up to it.
          const values = new Map<string, string>([
            ["/users/{user_id}", user.id],
            ["/organizations/{organization_id}", org.id],
            ["/organizations/{organization_id}/memberships/{user_id}", member.id],
            ["/sessions/{session_id}", session.id],
            ["/clients/{client_id}", session.clientId],
            ["/email_addresses/{email_address_id}", str(user, "emailAddresses", 0, "id")],
            ["/phone_numbers/{phone_number_id}", str(user, "phoneNumbers", 0, "id")],
            ["/templates/{template_type}", "email"],
            ["/templates/{template_type}/{slug}", "welcome"],
            ["/users/{user_id}/oauth_access_tokens/{provider}", "oauth_google"],
            ["/sessions/{session_id}/tokens/{template_name}", "claims"]
          ])
          const secrets = new Map<string, string>()
          const pathOf = (op: OperationSpec) =>
            Effect.gen(function* () {
              const segments = op.path.split("/").slice(1)
              const out: Array<string> = []
              for (let i = 0; i < segments.length; i++) {
                const segment = segments[i] ?? ""
                if (!segment.startsWith("{")) {
                  out.push(segment)
                  continue
                }
                const template = `/${segments.slice(0, i + 1).join("/")}`
                let value = values.get(template)
                if (value === undefined) {
                  // A resource the API cannot create (a passkey, a billing statement): seeded.
                  value = (yield* emulator.seedResource(`/${out.join("/")}`, {})).id
                  values.set(template, value)
                }
                out.push(encodeURIComponent(value))
              }
              return `/${out.join("/")}`
            })
          const bodies: Record<string, unknown> = {
            createApiKey: { name: "key", subject: user.id },
            CreateAllowlistIdentifier: { identifier: "allowed@example.com" },
            CreateBlocklistIdentifier: { identifier: "blocked@example.com" },
            verifyApiKey: { secret: "" },
            verifyM2MToken: { token: "" },
            verifyOAuthAccessToken: { access_token: "oat_seeded" },
            // Role sets name existing roles; an application revokes a token it issued.
            CreateRoleSet: {
              name: "Role set",
              default_role_key: "org:member",
              creator_role_key: "org:admin",
              roles: ["org:admin", "org:member"]
            },
            RevokeOAuthApplicationToken: { token: "oat_to_revoke" },
            VerifyPassword: { password: "every-operation-1" }
          }
          yield* emulator.seedResource("/oauth_applications/access_tokens", { token: "oat_seeded" })
          yield* emulator.seedResource("/oauth_applications/access_tokens", { token: "oat_to_revoke" })
          const bodyOf = (op: OperationSpec) => {
            if (op.operationId === "verifyApiKey") return { secret: secrets.get("createApiKey") }
            if (op.operationId === "verifyM2MToken") return { token: secrets.get("createM2MToken") }
            const filled = op.body && fill(op.body, undefined, Date.now())
            // The overlay lets agent tasks take any permission list; the published spec, which Prism checks, only `*`.
            const body =
              bodies[op.operationId] ??
              (op.operationId === "CreateAgentTask" && typeof filled === "object"
                ? { ...filled, permissions: "*" }
                : filled)
            if (!op.multipart) return body
            const form = new FormData()
            form.append("file", new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }), "a.png")
            return form
          }
          const queryOf = (op: OperationSpec) =>
            op.operationId === "getApiKeys"
              ? `?subject=${user.id}`
              : op.operationId === "getM2MTokens"
                ? `?subject=${values.get("/machines/{machine_id}")}`
                : ""
          // Creates first, so later operations find what they address; deletes last, deepest first.
          const rank = (op: OperationSpec) =>
            op.method === "DELETE"
              ? 10 - op.path.split("/").length / 100
              : op.method === "POST" &&
                  !op.path.endsWith("}") &&
                  operations.some((o) => o.path.startsWith(`${op.path}/{`))
                ? 0
                : op.method === "PUT" || op.path.endsWith("/verify")
                  ? 1
                  : 2
          const remaining = operations
            .filter((op) => !covered.has(op.operationId))
            .sort((a, b) => rank(a) - rank(b))
          const failures: Array<unknown> = []
          for (const op of remaining) {
            const path = `${yield* pathOf(op)}${queryOf(op)}`
            // An attempt sends the code its prepare put in the outbox.
            const sent = (yield* emulator.outbox).at(-1)
            const body = op.operationId.startsWith("Attempt")
              ? { code: sent?.code, verification_id: sent?.verificationId }
              : bodyOf(op)
            const exchange = yield* send(op.method, path, body)
            if (exchange.status !== op.status || exchange.violations !== null) {
              failures.push({
                operation: op.operationId,
                path,
                status: exchange.status,
                violations: exchange.violations,
                body: exchange.body
              })
              continue
            }
            covered.add(op.operationId)
            const id = at(exchange.body, "id")
            const item = operations.find((o) => o.path.startsWith(`${op.path}/{`))
            if (op.method === "POST" && typeof id === "string" && item !== undefined) {
              const param = item.path.slice(op.path.length + 1).split("/")[0] ?? ""
              values.set(`${op.path}/${param}`, id)
            }
            const secret = at(exchange.body, "secret") ?? at(exchange.body, "token")
            if (typeof secret === "string") secrets.set(op.operationId, secret)
          }
          expect(failures).toEqual([])
          expect(covered.size).toBe(249)
        })
      )
    })
  }
)

describe.runIf(requireSpec("prism proxy, corrected spec"))(
  "Clerk's answers beyond the published spec validate against the overlay's corrections (Prism proxy)",
  () => {
    layer(CorrectedPrismLive, { excludeTestServices: true, timeout: Duration.seconds(90) })((it) => {
      it.effect("400 organization_minimum_permissions_needed and 403 not_allowed_access", () =>
        Effect.gen(function* () {
          const prism = yield* Prism
          const send = (method: string, path: string, body?: unknown) =>
            Effect.map(prism.send(method, path, body), ({ status, violations, body }) => ({
              status,
              violations,
              code: at(body, "errors", 0, "code")
            }))
          const user = yield* Effect.map(prism.send("POST", "/users", { first_name: "Last" }), (e) =>
            str(e.body, "id")
          )
          const org = yield* Effect.map(
            prism.send("POST", "/organizations", { name: "Solo", created_by: user }),
            (e) => str(e.body, "id")
          )
          const lastAdmin = { status: 400, violations: null, code: "organization_minimum_permissions_needed" }
          expect(
            yield* send("PATCH", `/organizations/${org}/memberships/${user}`, { role: "org:member" })
          ).toEqual(lastAdmin)
          expect(yield* send("DELETE", `/organizations/${org}/memberships/${user}`)).toEqual(lastAdmin)
          yield* prism.send("POST", "/blocklist_identifiers", { identifier: "blocked@corrected.test" })
          const blocked = { status: 403, violations: null, code: "not_allowed_access" }
          expect(yield* send("POST", "/invitations", { email_address: "blocked@corrected.test" })).toEqual(
            blocked
          )
          expect(
            yield* send("POST", "/invitations/bulk", [{ email_address: "blocked@corrected.test" }])
          ).toEqual(blocked)
        })
      )
    })
  }
)
