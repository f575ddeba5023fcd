import { configDefaults, defineConfig } from "vitest/config"

/**
 * Files whose assertions hold only with a fair share of the CPU: a budget used to 90%,
 * thousands of calls against attempt timeouts, every operation through Prism within the
 * test timeout. They run after the others, beside none of the CPU-bound files.
 */
const timed = [
  "packages/backend/test/ratelimit.test.ts",
  "packages/cli/test/import.test.ts",
  "packages/cli/test/queue.test.ts",
  "packages/testing/test/prism.test.ts",
  "test/faults.test.ts"
]

export default defineConfig({
  resolve: { conditions: ["@effect-clerk/source"] },
  ssr: { resolve: { conditions: ["@effect-clerk/source"] } },
  test: {
    // Vitest's default is a worker per core but one, so a single worker on two cores;
    // many files spend most of their time waiting on child processes (Prism, tsx,
    // redis-server, the CLI) and servers, and another file can run meanwhile.
    maxWorkers: "100%",
    // A worker runs its files one after another in one module graph, so the SDK's
    // modules are evaluated once per worker instead of once per file (evaluation was
    // most of each file's time). Safe because no file changes process-wide state it
    // does not restore: no module mocks, stubbed globals or environment writes; the
    // setup file undoes the one change @effect/vitest makes.
    isolate: false,
    setupFiles: ["test/support/effectVitestDefaults.ts"],
    // Without isolation, the pool ends a worker that has sat idle beyond the minimum
    // count, and that can catch a worker just handed the next file: the file is lost
    // ("Terminating worker thread") and the run ends without a summary. All workers
    // stay for the whole run.
    minWorkers: "100%",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "tests",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...timed]
        }
      },
      {
        extends: true,
        test: {
          name: "timed",
          include: timed,
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
