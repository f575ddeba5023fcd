import * as Option from "effect/Option"

/** `JSON.parse` that answers `None` for text that is not JSON. */
export const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}
