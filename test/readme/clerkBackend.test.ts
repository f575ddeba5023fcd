import { createClerkClient } from "@clerk/backend"
import { ClerkEmulator } from "@effect-clerk/testing"
import { afterAll, beforeAll, expect, it } from "vitest"

let server: ClerkEmulator.RunningServer
beforeAll(async () => {
  server = await ClerkEmulator.startServer({ secretKey: "sk_test_emulator" })
})
afterAll(() => server.close())

it("runs a user flow with @clerk/backend", async () => {
  // `url` is the origin: @clerk/backend adds the `/v1` itself.
  const clerk = createClerkClient({ secretKey: "sk_test_emulator", apiUrl: server.url })

  const ada = await clerk.users.createUser({ emailAddress: ["ada@example.com"], firstName: "Ada" })
  const found = await clerk.users.getUserList({ emailAddress: ["ada@example.com"] })
  expect(found.data.map((user) => user.id)).toEqual([ada.id])

  const org = await clerk.organizations.createOrganization({ name: "Engines", createdBy: ada.id })
  const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })
  expect(members.data.map((member) => member.role)).toEqual(["org:admin"])

  await clerk.users.banUser(ada.id)
  expect((await clerk.users.getUser(ada.id)).banned).toBe(true)
})
