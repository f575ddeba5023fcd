/**
 * The interstitial page Clerk serves before a client's handshake. Its query names
 * the instance by Frontend API or publishable key; the spec answers 400 when
 * neither is given. The emulator serves no markup: the SDK reads no body.
 */
import { Effect } from "effect"
import type { Handlers } from "../context.js"
import { paramMissing } from "../errors.js"

export const handlers: Handlers = {
  GetPublicInterstitial: (params) =>
    params.frontendApi === undefined && params.publishableKey === undefined
      ? Effect.fail(paramMissing("publishable_key", 400))
      : Effect.void
}
