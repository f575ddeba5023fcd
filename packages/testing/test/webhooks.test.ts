import { createServer, type IncomingHttpHeaders } from "node:http"
import { ClerkEmulator } from "@effect-clerk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { Webhook } from "standardwebhooks"
import { str } from "./harness.js"

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly answered: number
}

/** A real endpoint on 127.0.0.1 that answers 500 to the first attempt of every message. */
const receiver = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly close: () => void }>(
    (resume) => {
      const received: Array<Received> = []
      const seen = new Set<string>()
      const server = createServer((req, res) => {
        let body = ""
        req.on("data", (chunk: Buffer) => {
          body += chunk.toString()
        })
        req.on("end", () => {
          const id = String(req.headers["svix-id"])
          const answered = seen.has(id) ? 204 : 500
          seen.add(id)
          received.push({ headers: req.headers, body, answered })
          res.writeHead(answered).end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({ url: `http://127.0.0.1:${port}/hooks`, received, close: () => server.close() })
        )
      })
    }
  ),
  (r) => Effect.sync(r.close)
)

describe("webhooks", () => {
  it.scopedLive(
    "state changes are delivered Svix-signed, retried after a non-2xx, and recorded",
    () =>
      Effect.gen(function* () {
        const endpoint = yield* receiver
        const emulator = yield* ClerkEmulator.make()
        const { secret } = yield* emulator.addWebhookEndpoint(endpoint.url)
        expect(secret).toMatch(/^whsec_/)
        const user = yield* emulator.seedUser({ firstName: "Hook" })
        yield* emulator.request("PATCH", `users/${user.id}`, { last_name: "Lovelace" })
        const org = yield* emulator.seedOrganization({ name: "Hooks" })
        yield* emulator.seedMembership({ organizationId: org.id, userId: user.id, role: "org:member" })
        const session = yield* emulator.seedSession({ userId: user.id })
        yield* emulator.request("POST", `sessions/${session.id}/revoke`)
        yield* emulator.request("DELETE", `users/${user.id}`)
        const types = [
          "user.created",
          "user.updated",
          "organization.created",
          "organizationMembership.created",
          "session.created",
          "session.revoked",
          "user.deleted"
        ]
        // Each message is answered 500 once, then retried after the backoff's first 0.5 s.
        yield* emulator.webhookDeliveries.pipe(
          Effect.repeat({
            until: (all) => all.length === types.length && all.every((d) => d.delivered),
            schedule: Schedule.spaced("100 millis")
          }),
          Effect.timeout("20 seconds")
        )
        const deliveries = yield* emulator.webhookDeliveries
        expect(deliveries.map((d) => d.type)).toEqual(types)
        expect(deliveries.map((d) => d.attempts.map((a) => a.status))).toEqual(types.map(() => [500, 204]))

        const verifier = new Webhook(secret)
        // Events name the instance that `GET /instance` answers.
        const instanceId = str(yield* emulator.request("GET", "instance"), "id")
        const delivered = endpoint.received.filter((r) => r.answered === 204)
        expect(delivered).toHaveLength(types.length)
        for (const request of delivered) {
          const headers = {
            "webhook-id": String(request.headers["svix-id"]),
            "webhook-timestamp": String(request.headers["svix-timestamp"]),
            "webhook-signature": String(request.headers["svix-signature"])
          }
          const payload = verifier.verify(request.body, headers)
          expect(payload).toMatchObject({ object: "event", instance_id: instanceId })
        }
        const byType = (type: string) => delivered.map((r) => JSON.parse(r.body)).find((p) => p.type === type)
        expect(byType("user.created").data).toMatchObject({ object: "user", id: user.id, first_name: "Hook" })
        expect(byType("user.updated").data).toMatchObject({ last_name: "Lovelace" })
        expect(byType("user.deleted").data).toMatchObject({ id: user.id, deleted: true })
        expect(byType("session.revoked").data).toMatchObject({ id: session.id, status: "revoked" })
        // A wrong secret does not verify.
        const first = delivered[0]
        expect(first).toBeDefined()
        expect(() =>
          new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(first?.body ?? "", {
            "webhook-id": String(first?.headers["svix-id"]),
            "webhook-timestamp": String(first?.headers["svix-timestamp"]),
            "webhook-signature": String(first?.headers["svix-signature"])
          })
        ).toThrow()
      }),
    60_000
  )

  it.effect("without endpoints nothing is recorded", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.make()
      yield* emulator.seedUser({ firstName: "Quiet" })
      expect(yield* emulator.webhookDeliveries).toEqual([])
    })
  )
})
