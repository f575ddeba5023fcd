import { Authenticated, CurrentAuth, clerkMiddleware, requireAuth } from "@effect-clerk/auth"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

const listInvoices = Effect.flatMap(Authenticated, (auth) =>
  HttpServerResponse.json(auth._tag === "SessionAuth" ? { orgId: auth.orgId } : { machine: auth.subject })
)

export const router = HttpRouter.empty.pipe(
  // 401 signed out, 403 without the permission, 503 when Clerk's keys cannot be fetched.
  HttpRouter.get("/invoices", requireAuth({ permission: "org:invoices:read" })(listInvoices)),
  // Only machines may call this one: M2M tokens, from the Authorization header.
  HttpRouter.post(
    "/jobs",
    requireAuth({ acceptsToken: "m2m_token" })(HttpServerResponse.empty({ status: 202 }))
  ),
  // Under clerkMiddleware, a handler can decide for itself with has().
  HttpRouter.get(
    "/reports",
    clerkMiddleware(
      Effect.flatMap(CurrentAuth, (auth) =>
        auth.has({ feature: "reports" })
          ? HttpServerResponse.text("reports")
          : HttpServerResponse.empty({ status: 403 })
      )
    )
  )
)

export const app = HttpServer.serve(router) // needs ClerkAuth and an HttpServer
