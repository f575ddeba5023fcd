import { Miscellaneous } from "@effect-clerk/backend"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// The Miscellaneous tag through the SDK: the public interstitial, named by publishable key or
// Frontend API. (The spec's Accountless Applications tag has no operation left to call.)

sharedEmulator("Miscellaneous through the SDK", (it) => {
  it.effect("the interstitial answers for a publishable key or a Frontend API, 400 for neither", () =>
    Effect.gen(function* () {
      expect(
        yield* Miscellaneous.getPublicInterstitial({ publishableKey: "pk_test_Y2xlcmsuZXhhbXBsZS50ZXN0JA" })
      ).toBeUndefined()
      expect(
        yield* Miscellaneous.getPublicInterstitial({ frontendApi: "clerk.example.test" })
      ).toBeUndefined()
      expect(yield* Effect.flip(Miscellaneous.getPublicInterstitial({}))).toMatchObject({
        _tag: "ClerkBadRequest",
        errors: [{ code: "form_param_missing", meta: { param_name: "publishable_key" } }]
      })
    })
  )
})
