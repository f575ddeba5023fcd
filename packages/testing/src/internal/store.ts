import { makeId } from "./ids.js"
import { seedSystemRoles } from "./systemRoles.js"

export type Metadata = Record<string, unknown>

export interface UserRecord {
  readonly id: string
  /** Indexed: change it with `Store.updateUser`. */
  readonly externalId: string | null
  /** Indexed: change it with `Store.updateUser`. */
  readonly username: string | null
  firstName: string | null
  lastName: string | null
  locale: string | null
  passwordEnabled: boolean
  passwordLastUpdatedAt: number | null
  /** The hash of a password set in clear (see `passwords.ts`); null without one, or for a digest. */
  passwordHash: string | null
  primaryEmailAddressId: string | null
  primaryPhoneNumberId: string | null
  publicMetadata: Metadata
  privateMetadata: Metadata
  unsafeMetadata: Metadata
  banned: boolean
  locked: boolean
  deleteSelfEnabled: boolean
  createOrganizationEnabled: boolean
  createOrganizationsLimit: number | null
  bypassClientTrust: boolean
  legalAcceptedAt: number | null
  lastSignInAt: number | null
  lastActiveAt: number | null
  /** The uploaded profile image, or null for Clerk's default avatar. */
  imageId: string | null
  createdAt: number
  updatedAt: number
}

export interface IdentificationRecord {
  readonly id: string
  readonly kind: "email_address" | "phone_number"
  readonly userId: string
  readonly value: string
  verified: boolean
  reservedForSecondFactor: boolean
  readonly createdAt: number
  updatedAt: number
}

export interface OrganizationRecord {
  readonly id: string
  name: string
  slug: string
  maxAllowedMemberships: number
  adminDeleteEnabled: boolean
  publicMetadata: Metadata
  privateMetadata: Metadata
  createdBy: string | null
  roleSetKey: string | null
  /** The uploaded logo, or null for Clerk's default avatar. */
  imageId: string | null
  createdAt: number
  updatedAt: number
}

export interface MembershipRecord {
  readonly id: string
  readonly organizationId: string
  readonly userId: string
  role: string
  publicMetadata: Metadata
  privateMetadata: Metadata
  readonly createdAt: number
  updatedAt: number
}

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired"

export interface OrganizationInvitationRecord {
  readonly id: string
  readonly organizationId: string
  readonly emailAddress: string
  readonly role: string
  readonly inviterId: string | null
  status: InvitationStatus
  readonly publicMetadata: Metadata
  readonly privateMetadata: Metadata
  readonly expiresAt: number
  readonly createdAt: number
  updatedAt: number
}

export interface InvitationRecord {
  readonly id: string
  readonly emailAddress: string
  readonly publicMetadata: Metadata
  readonly url: string
  status: InvitationStatus
  readonly expiresAt: number
  readonly createdAt: number
  updatedAt: number
}

export type SessionStatus =
  | "active"
  | "pending"
  | "revoked"
  | "ended"
  | "expired"
  | "removed"
  | "abandoned"
  | "replaced"

export interface SessionRecord {
  readonly id: string
  readonly userId: string
  readonly clientId: string
  status: SessionStatus
  /** The active organization; the seed API switches it, as a client would. */
  lastActiveOrganizationId: string | null
  readonly lastActiveAt: number
  readonly expireAt: number
  readonly abandonAt: number
  readonly createdAt: number
  updatedAt: number
  /** The user the session impersonates the user for (`act`), when an actor token created it. */
  actor?: Record<string, unknown> | null | undefined
  /** Tasks the user must finish (`choose-organization`, ...): while any is left the session is pending. */
  tasks?: ReadonlyArray<string> | undefined
  /** When the first and second factor were last verified (null: never); absent: the first at creation. */
  factorsVerifiedAt?: readonly [first: number | null, second: number | null] | undefined
}

export type ListedIdentifierType = "email_address" | "phone_number" | "web3_wallet"

/** An entry of the instance's allowlist or blocklist. */
export interface ListedIdentifierRecord {
  readonly id: string
  /** Normalized: an email address, an email domain (`example.com`), a phone number or a web3 wallet. */
  readonly identifier: string
  readonly identifierType: ListedIdentifierType
  readonly createdAt: number
}

/** The instance's restriction settings, as `PATCH /instance/restrictions` changes them. */
export interface InstanceRestrictions {
  /** Only identifiers on the allowlist may sign up. */
  allowlist: boolean
  /** Identifiers on the blocklist may not sign up. */
  blocklist: boolean
  allowlistBlocklistDisabledOnSignIn: boolean
  /** Email addresses whose local part has `+`, `=` or `#` may not sign up. */
  blockEmailSubaddresses: boolean
  blockDisposableEmailDomains: boolean
}

/** An organization permission: one of Clerk's system permissions, or a custom one (`type: "user"`). */
export interface PermissionRecord {
  readonly id: string
  /** `org:<feature>:<action>` */
  key: string
  name: string
  description: string
  readonly type: "system" | "user"
  readonly createdAt: number
  updatedAt: number
}

/** An organization role: Clerk's default ones (admin, member) or a custom one. */
export interface RoleRecord {
  readonly id: string
  /** `org:<name>` */
  key: string
  name: string
  description: string | null
  /** Ids of the role's permissions, in the order they were given. */
  permissionIds: Array<string>
  readonly isCreatorEligible: boolean
  readonly createdAt: number
  updatedAt: number
}

/** A JWT template, used by `POST /sessions/{session_id}/tokens/{template_name}`. */
export interface JwtTemplateRecord {
  readonly id: string
  name: string
  claims: Record<string, unknown>
  /** Seconds. */
  lifetime: number
  /** Seconds. */
  allowedClockSkew: number
  customSigningKey: boolean
  signingAlgorithm: string
  /** The custom signing key (an HMAC secret or a PKCS#8 PEM private key); never answered. */
  signingKey: string | null
  readonly createdAt: number
  updatedAt: number
}

/** A message Clerk would have sent: an email or SMS carrying a verification code. */
export interface OutboxMessage {
  /** The email's or SMS message's own id, as its webhook event names it. */
  readonly id: string
  readonly channel: "email" | "sms"
  readonly to: string
  readonly userId: string
  readonly identificationId: string
  /** The id `prepare_verification` answered, which `attempt_verification` names. */
  readonly verificationId: string
  readonly code: string
  readonly createdAt: number
}

/**
 * A secondary index of a table: the records under each key that `keysOf`
 * gives. It remembers the keys it filed a record under, so removing a record
 * whose fields changed since still finds it.
 */
class Index<V> {
  private readonly byKey = new Map<string, Set<V>>()
  private readonly filed = new Map<V, ReadonlyArray<string>>()

  constructor(private readonly keysOf: (value: V) => ReadonlyArray<string>) {}

  /** The records under `key`, in the order they were filed. */
  get(key: string): ReadonlySet<V> {
    return this.byKey.get(key) ?? empty
  }

  add(value: V): void {
    const keys = this.keysOf(value)
    this.filed.set(value, keys)
    for (const key of keys) {
      const set = this.byKey.get(key)
      if (set === undefined) this.byKey.set(key, new Set([value]))
      else set.add(value)
    }
  }

  remove(value: V): void {
    for (const key of this.filed.get(value) ?? []) {
      const set = this.byKey.get(key)
      set?.delete(value)
      if (set?.size === 0) this.byKey.delete(key)
    }
    this.filed.delete(value)
  }
}

const empty: ReadonlySet<never> = new Set()

/**
 * A table by id whose indexes follow every `set` and `delete`, so handlers
 * (and the rules other handlers add) cannot leave an index stale by writing
 * to the table directly.
 */
class Table<V> extends Map<string, V> {
  private readonly indexes: Array<Index<V>> = []

  index(keysOf: (value: V) => ReadonlyArray<string>): Index<V> {
    const index = new Index(keysOf)
    for (const value of this.values()) index.add(value)
    this.indexes.push(index)
    return index
  }

  /** Files a record again after one of its indexed fields changed. */
  reindex(value: V): void {
    for (const index of this.indexes) {
      index.remove(value)
      index.add(value)
    }
  }

  override set(id: string, value: V): this {
    const previous = super.get(id)
    for (const index of this.indexes) {
      if (previous !== undefined) index.remove(previous)
      index.add(value)
    }
    return super.set(id, value)
  }

  override delete(id: string): boolean {
    const previous = super.get(id)
    if (previous !== undefined) for (const index of this.indexes) index.remove(previous)
    return super.delete(id)
  }

  override clear(): void {
    for (const value of this.values()) for (const index of this.indexes) index.remove(value)
    super.clear()
  }
}

const single = (key: string | null): ReadonlyArray<string> => (key === null ? [] : [key])

/**
 * The state of one emulator instance. Plain maps mutated synchronously: each
 * request runs its mutations in one synchronous step, so concurrent requests
 * never observe half-applied changes. The tables that grow with a user base
 * carry indexes, so uniqueness checks and lookups by identifier cost the same
 * at a hundred thousand users as at ten.
 */
export class Store {
  readonly users = new Table<UserRecord>()
  readonly identifications = new Table<IdentificationRecord>()
  readonly organizations = new Map<string, OrganizationRecord>()
  readonly memberships = new Table<MembershipRecord>()
  readonly organizationInvitations = new Map<string, OrganizationInvitationRecord>()
  readonly invitations = new Map<string, InvitationRecord>()
  readonly sessions = new Map<string, SessionRecord>()
  readonly allowlist = new Map<string, ListedIdentifierRecord>()
  readonly blocklist = new Map<string, ListedIdentifierRecord>()
  /**
   * The restriction settings, in a table so that a state file keeps them. Off but the
   * blocklist, so that an identifier put on the blocklist is refused without a further
   * setting, while an instance without an allowlist lets everyone sign up.
   */
  private readonly settings = new Map<"restrictions", InstanceRestrictions>([
    [
      "restrictions",
      {
        allowlist: false,
        blocklist: true,
        allowlistBlocklistDisabledOnSignIn: false,
        blockEmailSubaddresses: false,
        blockDisposableEmailDomains: false
      }
    ]
  ])
  readonly permissions = new Map<string, PermissionRecord>()
  readonly roles = new Map<string, RoleRecord>()
  readonly jwtTemplates = new Map<string, JwtTemplateRecord>()
  /** What Clerk would have emailed or texted, oldest first. */
  readonly outbox: Array<OutboxMessage> = []
  /** The resources of the generic operations, by the concrete path of their collection. */
  readonly resources = new Map<string, Map<string, Record<string, unknown>>>()
  /** Singleton resources of the generic operations (`/instance`), by concrete path. */
  readonly singletons = new Map<string, Record<string, unknown>>()

  /** The id of the instance the emulator stands for (`instance.ts` seeds it as `/instance`). */
  get instanceId(): string {
    return String(this.singletons.get("/instance")?.id ?? "")
  }
  /** The `created_at` of deleted users, so a `starting_after` cursor naming one still works. */
  readonly deletedUsers = new Map<string, number>()
  private lastNow = 0

  /** Users by username, case-insensitively. */
  private readonly usersByUsername = this.users.index((u) => single(u.username?.toLowerCase() ?? null))
  /** Users by external id; Clerk does not require external ids to be unique. */
  private readonly usersByExternalId = this.users.index((u) => single(u.externalId))
  /** Identifications by kind and normalized value. */
  private readonly identificationsByValue = this.identifications.index((i) => [
    identifierKey(i.kind, i.value)
  ])
  private readonly identificationsByUser = this.identifications.index((i) => [i.userId])
  private readonly membershipsByUser = this.memberships.index((m) => [m.userId])
  private readonly membershipsByOrganization = this.memberships.index((m) => [m.organizationId])

  constructor() {
    seedSystemRoles(this)
  }

  get restrictions(): InstanceRestrictions {
    const found = this.settings.get("restrictions")
    if (found === undefined) throw new Error("the store lost its restriction settings")
    return found
  }

  /** Epoch ms, strictly increasing so that `created_at` ordering is total. */
  now(): number {
    this.lastNow = Math.max(Date.now(), this.lastNow + 1)
    return this.lastNow
  }

  newId(prefix: string): string {
    return makeId(prefix)
  }

  /** Writes changes to a user, indexed fields included; `undefined` leaves a field as it is. */
  updateUser(
    user: UserRecord,
    changes: { readonly [K in keyof UserRecord]?: UserRecord[K] | undefined }
  ): void {
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined) Object.assign(user, { [key]: value })
    }
    if (this.users.get(user.id) === user) this.users.reindex(user)
  }

  /** The user with this username, compared case-insensitively. */
  findUserByUsername(username: string): UserRecord | undefined {
    return first(this.usersByUsername.get(username.toLowerCase()))
  }

  usersWithExternalId(externalId: string): ReadonlySet<UserRecord> {
    return this.usersByExternalId.get(externalId)
  }

  /** A user's identifications (of one kind, when given), oldest first. */
  identificationsOf(userId: string, kind?: IdentificationRecord["kind"]): Array<IdentificationRecord> {
    const all = [...this.identificationsByUser.get(userId)]
    return kind === undefined ? all : all.filter((i) => i.kind === kind)
  }

  findIdentification(kind: IdentificationRecord["kind"], value: string): IdentificationRecord | undefined {
    return first(this.identificationsByValue.get(identifierKey(kind, value)))
  }

  membershipsOf(userId: string): Array<MembershipRecord> {
    return [...this.membershipsByUser.get(userId)]
  }

  membershipsIn(organizationId: string): Array<MembershipRecord> {
    return [...this.membershipsByOrganization.get(organizationId)]
  }

  /** The role a membership's `role` key names, system or custom. */
  findRole(key: string): RoleRecord | undefined {
    for (const r of this.roles.values()) if (r.key === key) return r
    return undefined
  }

  /** The keys of a role's permissions; none for a role that no longer exists. */
  permissionKeysOf(roleKey: string): Array<string> {
    const role = this.findRole(roleKey)
    if (role === undefined) return []
    return role.permissionIds.flatMap((id) => {
      const permission = this.permissions.get(id)
      return permission === undefined ? [] : [permission.key]
    })
  }

  findMembership(organizationId: string, userId: string): MembershipRecord | undefined {
    for (const m of this.membershipsByUser.get(userId)) {
      if (m.organizationId === organizationId) return m
    }
    return undefined
  }
}

const first = <A>(set: ReadonlySet<A>): A | undefined => set.values().next().value

const identifierKey = (kind: IdentificationRecord["kind"], value: string): string =>
  `${kind}:${normalizeIdentifier(kind, value)}`

export const normalizeIdentifier = (kind: IdentificationRecord["kind"], value: string): string =>
  kind === "email_address" ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, "")
