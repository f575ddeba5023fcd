/**
 * The instance the emulator stands for, as Clerk's own answers name it: an id
 * (`GET /instance`, the `instance_id` of webhook events), a development or
 * production environment (by the secret key, as Clerk's `sk_test_`/`sk_live_`
 * keys tell them apart), and a primary domain whose Frontend API is the issuer of
 * the session tokens. Seeded once into the generic store, so a state file keeps it.
 */
import { seed } from "./generic.js"
import { makeId } from "./ids.js"
import type { Store } from "./store.js"

const instancePath = "/instance"

export const seedInstance = (
  store: Store,
  options: { readonly issuer: string; readonly secretKey: string }
) => {
  if (store.singletons.has(instancePath)) return
  store.singletons.set(instancePath, {
    object: "instance",
    id: makeId("ins"),
    environment_type: options.secretKey.startsWith("sk_live_") ? "production" : "development",
    allowed_origins: [],
    workspace_id: null
  })
  const frontendApi = new URL(options.issuer)
  const name = frontendApi.hostname.replace(/^clerk\./, "")
  seed(store, "/domains", {
    object: "domain",
    id: makeId("dmn"),
    name,
    is_satellite: false,
    frontend_api_url: frontendApi.origin,
    accounts_portal_url: `https://accounts.${name}`,
    proxy_url: null,
    development_origin: "",
    cname_targets: null
  })
}
