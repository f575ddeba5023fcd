/**
 * Verifies Clerk's webhooks (delivered by Svix, signed per Standard Webhooks)
 * and decodes them into `WebhookEvent`s. The signature check is the
 * `standardwebhooks` library's: HMAC-SHA256 over `id.timestamp.body`, any of
 * several `v1,` signatures, constant-time comparison, `whsec_` secrets.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Webhook } from "standardwebhooks"
import { WebhookVerificationError, type WebhookVerificationReason } from "./Errors.js"
import { WebhookEvent } from "./generated/WebhookEvents.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The endpoint's signing secret from the Clerk dashboard (`whsec_…`). */
  readonly secret: string | Redacted.Redacted<string>
}

/**
 * The request headers, by lower-case name (`@effect/platform`'s `Headers`, or a
 * plain record). Clerk sends `svix-id`, `svix-timestamp` and `svix-signature`.
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>

/** Svix's (and the `standardwebhooks` library's) window against replayed deliveries. */
const tolerance = Duration.minutes(5)

const refuse = (reason: WebhookVerificationReason, message: string, cause?: unknown) =>
  new WebhookVerificationError({ reason, message, ...(cause === undefined ? {} : { cause }) })

const header = (headers: WebhookHeaders, name: string) => {
  const value = headers[`svix-${name}`] ?? headers[`webhook-${name}`]
  return value === undefined || value === "" ? undefined : value
}

/** Our own check on the `Clock`, so the reason is typed and tests can move time. */
const checkTimestamp = (timestamp: string): Effect.Effect<void, WebhookVerificationError> => {
  if (!/^\d+$/.test(timestamp))
    return Effect.fail(refuse("InvalidTimestamp", `svix-timestamp ${timestamp} is not a Unix time`))
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const age = now - Number(timestamp) * 1000
    if (age > Duration.toMillis(tolerance))
      return Effect.fail(refuse("TimestampTooOld", "the delivery is older than 5 minutes"))
    if (-age > Duration.toMillis(tolerance))
      return Effect.fail(refuse("TimestampTooNew", "the delivery is dated in the future"))
    return Effect.void
  })
}

const decodeEvent = Schema.decodeUnknown(Schema.parseJson(WebhookEvent))

/**
 * Verifies a delivery's signature and decodes its body. Pass the body exactly
 * as received: re-serialized JSON no longer matches the signature.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (
  body: string,
  headers: WebhookHeaders,
  options: Options
): Effect.Effect<WebhookEvent, WebhookVerificationError> =>
  Effect.gen(function* () {
    const id = header(headers, "id")
    const timestamp = header(headers, "timestamp")
    const signature = header(headers, "signature")
    if (id === undefined || timestamp === undefined || signature === undefined) {
      return yield* Effect.fail(
        refuse("MissingHeaders", "svix-id, svix-timestamp and svix-signature are required")
      )
    }
    yield* checkTimestamp(timestamp)
    const secret = Redacted.isRedacted(options.secret) ? Redacted.value(options.secret) : options.secret
    const webhook = yield* Effect.try({
      try: () => new Webhook(secret),
      catch: (cause) => refuse("InvalidSecret", "the secret is not a whsec_ base64 signing secret", cause)
    })
    yield* Effect.try({
      try: () =>
        webhook.verify(
          body,
          { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
          { jsonParse: false }
        ),
      catch: (cause) =>
        refuse(
          "InvalidSignature",
          cause instanceof Error ? cause.message : "the signature does not match",
          cause
        )
    })
    return yield* decodeEvent(body).pipe(
      Effect.mapError((cause) => refuse("InvalidPayload", "the signed body is not a webhook event", cause))
    )
  })

/**
 * Verifies the webhook an `@effect/platform` request delivers.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyRequest = (
  request: HttpServerRequest.HttpServerRequest,
  options: Options
): Effect.Effect<WebhookEvent, WebhookVerificationError> =>
  request.text.pipe(
    Effect.mapError((cause) => refuse("InvalidPayload", "the request body could not be read", cause)),
    Effect.flatMap((body) => verify(body, request.headers, options))
  )

/**
 * Verifies the webhook a web `Request` delivers.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyWebRequest = (
  request: Request,
  options: Options
): Effect.Effect<WebhookEvent, WebhookVerificationError> =>
  verifyRequest(HttpServerRequest.fromWeb(request), options)
