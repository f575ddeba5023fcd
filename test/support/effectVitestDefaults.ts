import { it, makeMethods } from "@effect/vitest"

// `layer(...)` of @effect/vitest binds `it.effect` and `it.scoped` to its layer by
// assigning them onto vitest's one shared `it`, and they stay bound after its file
// ends. Files share a worker's modules (`isolate: false`), so a later file's
// `it.effect` would run inside that layer, with its TestClock already moved by
// another file's tests. Each file starts from the default methods again.
makeMethods(it)
