/**
 * README.md shows the files of test/readme/ verbatim (each block follows a
 * `<!-- snippet: name -->` line); those files are tests of their own, so what
 * the README shows is what runs.
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const snippets = new URL("./readme/", import.meta.url)
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

const shown = (name: string): string | undefined =>
  new RegExp(`<!-- snippet: ${name.replaceAll(".", "\\.")} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(
    readme
  )?.[1]

describe("README.md", () => {
  const names = readdirSync(snippets).filter((name) => name.endsWith(".ts"))

  it.each(names)("shows test/readme/%s as it is", (name) => {
    expect(shown(name)).toBe(readFileSync(new URL(name, snippets), "utf8"))
  })

  it("shows no snippet that is not a file of test/readme/", () => {
    const marked = [...readme.matchAll(/<!-- snippet: (\S+) -->/g)].map((match) => match[1])
    expect(marked.sort()).toEqual([...names].sort())
  })
})
