import { AgentTasks, Billing, ProxyChecks, Users } from "@effect-clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { sharedEmulator } from "./sdk.js"

// Billing, agent tasks and proxy checks through the SDK. Plans and subscriptions come from
// Clerk's dashboard and checkouts, outside the Backend API: a test seeds them.

const notFound = { _tag: "ClerkNotFound", errors: [{ code: "resource_not_found" }] }

sharedEmulator("Billing through the SDK", (it) => {
  it.effect("seeded plans list by payer type; prices are created for a plan and listed by it", () =>
    Effect.gen(function* () {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const pro = yield* emulator.seedResource("/billing/plans", {
        object: "commerce_plan",
        name: "Pro",
        slug: "pro",
        payer_type: ["user"],
        for_payer_type: "user"
      })
      yield* emulator.seedResource("/billing/plans", {
        object: "commerce_plan",
        name: "Team",
        slug: "team",
        payer_type: ["org"],
        for_payer_type: "org"
      })
      const plans = yield* Billing.listPlans({})
      expect(plans.totalCount).toBe(2)
      expect(plans.data.map((plan) => plan.slug).sort()).toEqual(["pro", "team"])

      const price = yield* Billing.createPrice({ planId: pro.id, amount: 2000, currency: "USD" })
      expect(price).toMatchObject({ object: "commerce_price", planId: pro.id, amount: 2000 })
      yield* Billing.createPrice({ planId: "cplan_other", amount: 500 })
      const ofPro = yield* Billing.listPrices({ planId: pro.id })
      expect(ofPro.data.map((p) => p.id)).toEqual([price.id])
    })
  )

  it.effect(
    "a seeded subscription item is canceled, then ended, and stays listed by status; unknown ids 404",
    () =>
      Effect.gen(function* () {
        const emulator = yield* ClerkEmulator.ClerkEmulator
        const user = yield* Users.create({ firstName: "Payer" })
        const item = yield* emulator.seedResource("/billing/subscription_items", {
          object: "commerce_subscription_item",
          status: "active",
          payer_id: user.id,
          plan_id: "cplan_pro"
        })
        expect((yield* Billing.listSubscriptionItems({ status: "active" })).data.map((i) => i.id)).toEqual([
          item.id
        ])
        const canceled = yield* Billing.cancelSubscriptionItem({ subscriptionItemId: item.id })
        expect(canceled).toMatchObject({ id: item.id, status: "canceled" })
        expect(canceled.canceledAt).toEqual(expect.any(Number))
        expect((yield* Billing.listSubscriptionItems({ status: "active" })).data).toEqual([])
        expect((yield* Billing.listSubscriptionItems({})).data.map((i) => [i.id, i.status])).toEqual([
          [item.id, "canceled"]
        ])
        const ended = yield* Billing.cancelSubscriptionItem({ subscriptionItemId: item.id, endNow: true })
        expect(ended).toMatchObject({ id: item.id, status: "ended" })
        expect((yield* Billing.listSubscriptionItems({ status: "ended" })).data.map((i) => i.id)).toEqual([
          item.id
        ])
        expect(
          yield* Effect.flip(Billing.cancelSubscriptionItem({ subscriptionItemId: "csubi_missing" }))
        ).toMatchObject(notFound)
      })
  )
})

sharedEmulator("Agent tasks and proxy checks through the SDK", (it) => {
  it.effect("an agent task acts for a user until revoked", () =>
    Effect.gen(function* () {
      const user = yield* Users.create({ firstName: "Principal" })
      const task = yield* AgentTasks.create({
        onBehalfOf: { userId: user.id },
        permissions: "read,write",
        agentName: "booking-agent",
        taskDescription: "Book a table",
        redirectUrl: "https://app.test/after"
      })
      expect(task).toMatchObject({ object: "agent_task" })
      expect(task.agentTaskId).toEqual(expect.any(String))
      const revoked = yield* AgentTasks.revoke({ agentTaskId: task.agentTaskId })
      expect(revoked.agentTaskId).toBe(task.agentTaskId)
      expect(yield* Effect.flip(AgentTasks.revoke({ agentTaskId: "agt_missing" }))).toMatchObject({
        _tag: "ClerkNotFound"
      })
    })
  )

  it.effect("a proxy check answers for the domain and proxy URL it was asked about", () =>
    Effect.gen(function* () {
      const check = yield* ProxyChecks.verify({
        domainId: "dmn_satellite",
        proxyUrl: "https://app.test/__clerk"
      })
      expect(check).toMatchObject({
        object: "proxy_check",
        domainId: "dmn_satellite",
        proxyUrl: "https://app.test/__clerk"
      })
    })
  )
})
