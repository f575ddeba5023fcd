import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { WebhookEvents, Webhooks } from "@effect-clerk/auth"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, TestClock } from "effect"
import { Webhook } from "standardwebhooks"
import { parse } from "yaml"

const secret = `whsec_${Buffer.from("a test signing secret, 32 bytes!").toString("base64")}`
const otherSecret = `whsec_${Buffer.from("another secret, also 32 bytes!!!").toString("base64")}`

/** Headers as Svix sends them, signed with `signingSecret` at `at` (seconds). */
const deliver = (body: string, at: number, signingSecret = secret, id = "msg_2abc") => ({
  "svix-id": id,
  "svix-timestamp": String(at),
  "svix-signature": new Webhook(signingSecret).sign(id, new Date(at * 1000), body)
})

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const specPath =
  process.env.CLERK_WEBHOOKS_SPEC ?? join(repoRoot, "../shared/openapi/webhooks-2025-04-15.yml")

interface Content {
  readonly example?: unknown
  readonly examples?: { readonly default: { readonly $ref: string } }
}

interface WebhooksSpec {
  readonly "x-webhooks": Record<
    string,
    { readonly post: { readonly requestBody: { readonly content: Record<string, Content> } } }
  >
  readonly components: { readonly examples: Record<string, { readonly value: unknown }> }
}

/** Each event's example payload from Clerk's webhooks spec, inline or under `components/examples`. */
const examples = (): ReadonlyArray<readonly [string, unknown]> => {
  const spec = parse(readFileSync(specPath, "utf8")) as WebhooksSpec
  return Object.entries(spec["x-webhooks"]).map(([type, hook]) => {
    const content = hook.post.requestBody.content["application/json"]
    const ref = content?.examples?.default.$ref
    const example =
      content?.example ??
      (ref === undefined ? undefined : spec.components.examples[ref.slice(ref.lastIndexOf("/") + 1)]?.value)
    return [type, example] as const
  })
}

const now = Math.floor(Date.now() / 1000)
// standardwebhooks reads Date.now(); the TestClock is set to the same instant so both checks agree.
const atNow = TestClock.setTime(now * 1000)

const userDeleted = JSON.stringify({
  object: "event",
  type: "user.deleted",
  instance_id: "ins_1",
  timestamp: now * 1000,
  data: { object: "user", id: "user_2abc", deleted: true }
})

describe("Webhooks.verify", () => {
  it.effect("verifies and decodes every event example of the webhooks spec", () =>
    Effect.gen(function* () {
      yield* atNow
      const all = examples()
      expect(all).toHaveLength(45)
      expect(WebhookEvents.eventTypes).toHaveLength(45)
      for (const [type, example] of all) {
        const body = JSON.stringify(example)
        const event = yield* Webhooks.verify(body, deliver(body, now), { secret })
        expect(event.type).toBe(type)
      }
    })
  )

  it.effect("decodes snake_case into typed, camelCase events", () =>
    Effect.gen(function* () {
      yield* atNow
      const event = yield* Webhooks.verify(userDeleted, deliver(userDeleted, now), {
        secret: Redacted.make(secret)
      })
      expect(event.type === "user.deleted" && [event.instanceId, event.data.id, event.data.deleted]).toEqual([
        "ins_1",
        "user_2abc",
        true
      ])
    })
  )

  it.effect(
    "decodes a payload whose objects lack `object`: constants filled in, verifications camelCase",
    () =>
      Effect.gen(function* () {
        yield* atNow
        const example = examples().find(([type]) => type === "user.created")![1] as {
          readonly data: { readonly object?: string }
        }
        const { object: _user, ...data } = example.data
        // As older payloads send an email address: no `object` on it nor on its verification.
        const emailAddress = {
          id: "idn_2hTC0aB1cD2eF3gH4iJ5kL6mN7o",
          email_address: "ada@example.com",
          reserved: false,
          verification: { status: "verified", strategy: "email_code", attempts: 1, expire_at: 1717172317000 },
          linked_to: [],
          created_at: 1717171717000,
          updated_at: 1717171717000
        }
        const body = JSON.stringify({ ...example, data: { ...data, email_addresses: [emailAddress] } })
        const event = yield* Webhooks.verify(body, deliver(body, now), { secret })
        if (event.type !== "user.created") return expect.unreachable(event.type)
        expect(event.data.object).toBe("user")
        expect(event.data.emailAddresses.map((email) => [email.object, email.verification])).toStrictEqual([
          [
            "email_address",
            { status: "verified", strategy: "email_code", attempts: 1, expireAt: 1717172317000 }
          ]
        ])
      })
  )

  it.effect("decodes an event type it does not know into UnknownWebhookEvent", () =>
    Effect.gen(function* () {
      yield* atNow
      const body = JSON.stringify({
        object: "event",
        type: "agent.spawned",
        instance_id: "ins_1",
        timestamp: 1,
        data: { id: "agt_1" }
      })
      const event = yield* Webhooks.verify(body, deliver(body, now), { secret })
      expect(event).toEqual({
        object: "event",
        type: "unknown",
        eventType: "agent.spawned",
        instanceId: "ins_1",
        timestamp: 1,
        data: { id: "agt_1" }
      })
    })
  )

  it.effect("accepts any of several signatures", () =>
    Effect.gen(function* () {
      yield* atNow
      const headers = deliver(userDeleted, now)
      const rotated = {
        ...headers,
        "svix-signature": `${deliver(userDeleted, now, otherSecret)["svix-signature"]} ${headers["svix-signature"]}`
      }
      expect((yield* Webhooks.verify(userDeleted, rotated, { secret })).type).toBe("user.deleted")
    })
  )

  it.effect("refuses a replayed delivery (old timestamp) and one dated in the future", () =>
    Effect.gen(function* () {
      yield* atNow
      const old = yield* Effect.flip(
        Webhooks.verify(userDeleted, deliver(userDeleted, now - 6 * 60), { secret })
      )
      expect(old.reason).toBe("TimestampTooOld")
      const future = yield* Effect.flip(
        Webhooks.verify(userDeleted, deliver(userDeleted, now + 6 * 60), { secret })
      )
      expect(future.reason).toBe("TimestampTooNew")
    })
  )

  it.effect("refuses a tampered body, a wrong secret and missing headers", () =>
    Effect.gen(function* () {
      yield* atNow
      const headers = deliver(userDeleted, now)
      const tampered = userDeleted.replace("user_2abc", "user_admin")
      expect((yield* Effect.flip(Webhooks.verify(tampered, headers, { secret }))).reason).toBe(
        "InvalidSignature"
      )
      expect(
        (yield* Effect.flip(Webhooks.verify(userDeleted, headers, { secret: otherSecret }))).reason
      ).toBe("InvalidSignature")
      const { "svix-signature": _signature, ...unsigned } = headers
      expect((yield* Effect.flip(Webhooks.verify(userDeleted, unsigned, { secret }))).reason).toBe(
        "MissingHeaders"
      )
      expect((yield* Effect.flip(Webhooks.verify(userDeleted, headers, { secret: "whsec_" }))).reason).toBe(
        "InvalidSecret"
      )
    })
  )

  it.effect("refuses a correctly signed body that is not an event", () =>
    Effect.gen(function* () {
      yield* atNow
      const body = JSON.stringify({ hello: "world" })
      expect((yield* Effect.flip(Webhooks.verify(body, deliver(body, now), { secret }))).reason).toBe(
        "InvalidPayload"
      )
    })
  )

  it.effect("verifies a web Request", () =>
    Effect.gen(function* () {
      yield* atNow
      const request = new Request("http://app.test/webhooks", {
        method: "POST",
        headers: deliver(userDeleted, now),
        body: userDeleted
      })
      expect((yield* Webhooks.verifyWebRequest(request, { secret })).type).toBe("user.deleted")
    })
  )
})
