/** The program of `effectClerk.ts` on `@clerk/backend`, for `typecheck.ts` to compare with. */
import { createClerkClient } from "@clerk/backend"
import { isClerkAPIResponseError } from "@clerk/backend/errors"

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY ?? "" })

export const program = async () => {
  try {
    const user = await clerk.users.createUser({ emailAddress: ["ada@example.com"], firstName: "Ada" })
    const same = await clerk.users.getUser(user.id)
    const page = await clerk.users.getUserList({ limit: 100, orderBy: "-created_at" })
    const orgs = await clerk.organizations.getOrganizationList({ limit: 10 })
    const all = []
    for (let offset = 0; ; offset += 500) {
      const next = await clerk.users.getUserList({ query: "ada", limit: 500, offset })
      all.push(...next.data)
      if (next.data.length < 500) break
    }
    return {
      email: same.emailAddresses[0]?.emailAddress,
      names: page.data.map((user) => user.firstName),
      orgs: orgs.data.map((org) => org.name),
      total: orgs.totalCount,
      all: all.length
    }
  } catch (error) {
    if (isClerkAPIResponseError(error) && error.status === 404) console.warn(error.clerkTraceId)
    return undefined
  }
}
