import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: { conditions: ["@effect-clerk/source"] },
  ssr: { resolve: { conditions: ["@effect-clerk/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    // Vitest's default is a worker per core but one, so a single worker on two cores;
    // many files spend most of their time waiting on child processes (Prism, tsx,
    // redis-server, the CLI) and servers, and another file can run meanwhile.
    maxWorkers: "100%",
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
