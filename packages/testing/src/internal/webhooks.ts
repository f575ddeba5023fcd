/**
 * Webhooks as Clerk sends them through Svix: each state change an endpoint hears
 * of is POSTed as `{ data, object: "event", type, timestamp, instance_id }`, signed
 * with the endpoint's `whsec_` secret (`svix-id`, `svix-timestamp`, `svix-signature`
 * via `standardwebhooks`), retried with exponential backoff while the endpoint
 * answers other than 2xx, and recorded for tests to assert on.
 */
import { Effect, Schedule } from "effect"
import { Webhook } from "standardwebhooks"
import type { Event } from "./events.js"
import { randomBase62 } from "./ids.js"

export interface Endpoint {
  readonly url: string
  readonly secret: string
}

export interface DeliveryAttempt {
  /** The endpoint's status, or null when it could not be reached. */
  readonly status: number | null
  readonly at: number
}

export interface Delivery {
  readonly id: string
  readonly type: string
  readonly url: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly attempts: Array<DeliveryAttempt>
  delivered: boolean
}

/** A Svix-style signing secret: `whsec_` and 24 random bytes in base64. */
export const newSecret = (): string =>
  `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64")}`

/** Retries while the endpoint answers other than 2xx: 0.5 s, 1 s, 2 s, ... five retries in all. */
const backoff = Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(5)))

class Undelivered {
  readonly _tag = "Undelivered"
}

const attempt = (endpoint: Endpoint, delivery: Delivery, body: string) =>
  Effect.gen(function* () {
    const sent = new Date()
    const status = yield* Effect.promise(() =>
      fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "svix-id": delivery.id,
          "svix-timestamp": String(Math.floor(sent.getTime() / 1000)),
          "svix-signature": new Webhook(endpoint.secret).sign(delivery.id, sent, body)
        },
        body
      }).then(
        (response) => response.status,
        () => null
      )
    )
    delivery.attempts.push({ status, at: sent.getTime() })
    if (status === null || status < 200 || status >= 300) return yield* Effect.fail(new Undelivered())
    delivery.delivered = true
  })

export class Webhooks {
  readonly endpoints: Array<Endpoint> = []
  readonly deliveries: Array<Delivery> = []
  /** The emulated instance's id, which every event names. */
  constructor(private readonly instanceId: string) {}

  /** Records and sends `event` to every endpoint, in the background. */
  emit({ type, data }: Event): Effect.Effect<void> {
    if (this.endpoints.length === 0) return Effect.void
    const payload = {
      data,
      object: "event",
      type,
      timestamp: Date.now(),
      instance_id: this.instanceId,
      event_attributes: { http_request: { client_ip: "127.0.0.1", user_agent: "clerk-emulator" } }
    }
    const body = JSON.stringify(payload)
    return Effect.forEach(
      this.endpoints,
      (endpoint) => {
        const delivery: Delivery = {
          id: `msg_${randomBase62(27)}`,
          type,
          url: endpoint.url,
          payload,
          attempts: [],
          delivered: false
        }
        this.deliveries.push(delivery)
        // Undelivered after every retry stays recorded as such; nothing is lost or thrown.
        return Effect.forkDaemon(Effect.ignore(Effect.retry(attempt(endpoint, delivery, body), backoff)))
      },
      { discard: true }
    )
  }
}
