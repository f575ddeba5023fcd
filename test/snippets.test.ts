/**
 * Pages that show code show files of the test suite verbatim: each block
 * follows a `<!-- snippet: name -->` line naming a file of the page's snippet
 * folder, and the tests of that folder run those files. What a page shows is
 * what runs.
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const root = new URL("../", import.meta.url)
const pages = [
  { page: "README.md", snippets: "test/readme/" },
  { page: "docs/auth.md", snippets: "packages/auth/test/snippets/" }
]

describe.each(pages)("$page", ({ page, snippets }) => {
  const text = readFileSync(new URL(page, root), "utf8")
  const folder = new URL(snippets, root)
  const names = readdirSync(folder).filter((name) => name.endsWith(".ts"))
  const shown = (name: string): string | undefined =>
    new RegExp(`<!-- snippet: ${name.replaceAll(".", "\\.")} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(
      text
    )?.[1]

  it.each(names)(`shows ${snippets}%s as it is`, (name) => {
    expect(shown(name)).toBe(readFileSync(new URL(name, folder), "utf8"))
  })

  it(`shows no snippet that is not a file of ${snippets}`, () => {
    const marked = [...text.matchAll(/<!-- snippet: (\S+) -->/g)].map((match) => match[1])
    expect(marked.sort()).toEqual([...names].sort())
  })
})
