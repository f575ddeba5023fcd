import {
  Authenticated,
  ClerkAuthentication,
  layerClerkAuthentication,
  layerRequirement,
  Requirement
} from "@effect-clerk/auth"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Effect, Layer, Schema } from "effect"

// One middleware per rule. Endpoints that carry it answer 401 to signed-out
// callers and 403 to callers without the permission; both are in the API's errors.
export class CanReadInvoices extends Requirement<CanReadInvoices>()("CanReadInvoices") {}
export class CanManageInvoices extends Requirement<CanManageInvoices>()("CanManageInvoices") {}

export class Api extends HttpApi.make("billing").add(
  HttpApiGroup.make("invoices")
    .add(
      HttpApiEndpoint.get("list", "/invoices")
        .addSuccess(Schema.Array(Schema.String))
        .middleware(CanReadInvoices)
    )
    .add(HttpApiEndpoint.del("purge", "/invoices").middleware(CanManageInvoices))
    // Every other endpoint of the group: any signed-in session.
    .add(HttpApiEndpoint.get("me", "/me").addSuccess(Schema.String))
    .middleware(ClerkAuthentication)
) {}

const InvoicesLive = HttpApiBuilder.group(Api, "invoices", (handlers) =>
  handlers
    .handle("list", () =>
      Effect.map(Authenticated, (auth) => [
        `invoices of ${auth._tag === "SessionAuth" ? auth.orgId : auth.subject}`
      ])
    )
    .handle("purge", () => Effect.void)
    .handle("me", () =>
      Effect.map(Authenticated, (auth) => (auth._tag === "SessionAuth" ? auth.userId : auth.subject))
    )
)

// Needs ClerkAuth (ClerkAuth.layer() with a ClerkClient and an HttpClient).
export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(InvoicesLive),
  Layer.provide(layerRequirement(CanReadInvoices, { permission: "org:invoices:read" })),
  Layer.provide(
    layerRequirement(CanManageInvoices, { permission: "org:invoices:manage", reverification: "strict" })
  ),
  Layer.provide(layerClerkAuthentication)
)
