/**
 * Names: wire names to camelCase keys, component names to identifiers, and the
 * namespace and method each operation gets (DESIGN.md "Public API").
 */

/** Splits `apiKeyID`, `saml_connection_id`, `JWKS.rsa.PublicKey` into words. */
const words = (name: string): ReadonlyArray<string> =>
  name.split(/[^A-Za-z0-9]+/).flatMap((part) => part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+/g) ?? [])

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

/** `email_address` → `emailAddress`, `apiKeyID` → `apiKeyId`. */
export const camelCase = (name: string): string =>
  words(name)
    .map((word, index) => (index === 0 ? word.toLowerCase() : capitalize(word.toLowerCase())))
    .join("")

/** Component names become identifiers; acronyms already in PascalCase stay as written. */
export const pascalCase = (name: string): string =>
  words(name)
    .map((word) => capitalize(word))
    .join("")

/** `createUser` with the first letter raised: `CreateUser`. */
export const upperFirst = capitalize

export const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1)
