/**
 * Starts Prism (`@stoplight/prism-cli`) mocking the spec on a free loopback port.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"
import { repoRoot } from "../../packages/codegen/src/generate.js"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))
      )
    })
  })

export const preferDynamic = { prefer: "dynamic=true" } as const

export interface Prism {
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * Prism serves the spec's examples; a request with the header `prefer: dynamic=true`
 * ({@link preferDynamic}) gets a response Prism generates from the schemas instead,
 * as with `prism mock -d`, so one Prism serves both.
 */
export const startPrism = async (spec: string): Promise<Prism> => {
  const port = await freePort()
  const args = ["mock", spec, "-h", "127.0.0.1", "-p", String(port)]
  const child: ChildProcess = spawn(join(repoRoot, "node_modules/.bin/prism"), args, {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Prism is listening")) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`Prism exited with ${code}:\n${output}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
