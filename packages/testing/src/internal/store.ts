import { makeId } from "./ids.js"
import { seedSystemRoles } from "./systemRoles.js"

export type Metadata = Record<string, unknown>

export interface UserRecord {
  readonly id: string
  externalId: string | null
  username: string | null
  firstName: string | null
  lastName: string | null
  locale: string | null
  passwordEnabled: boolean
  passwordLastUpdatedAt: number | null
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

export type SessionStatus = "active" | "revoked" | "ended" | "expired" | "removed" | "abandoned" | "replaced"

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
  readonly channel: "email" | "sms"
  readonly to: string
  readonly identificationId: string
  /** The id `prepare_verification` answered, which `attempt_verification` names. */
  readonly verificationId: string
  readonly code: string
  readonly createdAt: number
}

/**
 * The state of one emulator instance. Plain maps mutated synchronously: each
 * request runs its mutations in one synchronous step, so concurrent requests
 * never observe half-applied changes.
 */
export class Store {
  readonly users = new Map<string, UserRecord>()
  readonly identifications = new Map<string, IdentificationRecord>()
  readonly organizations = new Map<string, OrganizationRecord>()
  readonly memberships = new Map<string, MembershipRecord>()
  readonly organizationInvitations = new Map<string, OrganizationInvitationRecord>()
  readonly invitations = new Map<string, InvitationRecord>()
  readonly sessions = new Map<string, SessionRecord>()
  readonly permissions = new Map<string, PermissionRecord>()
  readonly roles = new Map<string, RoleRecord>()
  readonly jwtTemplates = new Map<string, JwtTemplateRecord>()
  /** What Clerk would have emailed or texted, oldest first. */
  readonly outbox: Array<OutboxMessage> = []
  /** The resources of the generic operations, by the concrete path of their collection. */
  readonly resources = new Map<string, Map<string, Record<string, unknown>>>()
  /** Singleton resources of the generic operations (`/instance`), by concrete path. */
  readonly singletons = new Map<string, Record<string, unknown>>()
  /** The `created_at` of deleted users, so a `starting_after` cursor naming one still works. */
  readonly deletedUsers = new Map<string, number>()
  private lastNow = 0

  constructor() {
    seedSystemRoles(this)
  }

  /** Epoch ms, strictly increasing so that `created_at` ordering is total. */
  now(): number {
    this.lastNow = Math.max(Date.now(), this.lastNow + 1)
    return this.lastNow
  }

  newId(prefix: string): string {
    return makeId(prefix)
  }

  identificationsOf(userId: string, kind: IdentificationRecord["kind"]): Array<IdentificationRecord> {
    return [...this.identifications.values()].filter((i) => i.userId === userId && i.kind === kind)
  }

  findIdentification(kind: IdentificationRecord["kind"], value: string): IdentificationRecord | undefined {
    const wanted = normalizeIdentifier(kind, value)
    for (const i of this.identifications.values()) {
      if (i.kind === kind && normalizeIdentifier(kind, i.value) === wanted) return i
    }
    return undefined
  }

  membershipsOf(userId: string): Array<MembershipRecord> {
    return [...this.memberships.values()].filter((m) => m.userId === userId)
  }

  membershipsIn(organizationId: string): Array<MembershipRecord> {
    return [...this.memberships.values()].filter((m) => m.organizationId === organizationId)
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
    for (const m of this.memberships.values()) {
      if (m.organizationId === organizationId && m.userId === userId) return m
    }
    return undefined
  }
}

export const normalizeIdentifier = (kind: IdentificationRecord["kind"], value: string): string =>
  kind === "email_address" ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, "")
