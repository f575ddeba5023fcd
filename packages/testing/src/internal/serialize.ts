import type {
  IdentificationRecord,
  InvitationRecord,
  MembershipRecord,
  OrganizationInvitationRecord,
  OrganizationRecord,
  SessionRecord,
  Store,
  UserRecord
} from "./store.js"

// Wire shapes follow the spec's schemas: snake_case, an `object` tag, every
// required property present and nullable ones as `null`.

export interface Wire {
  readonly id: string
  readonly object: string
  readonly [key: string]: unknown
}

const defaultAvatar = "https://img.clerk.com/emulator-default-avatar"

/** Where an uploaded image is served from; the emulator keeps no bytes, only that an image exists. */
export const imageUrl = (imageId: string): string => `https://img.clerk.emulator.local/${imageId}`

/** `image_url` and `has_image` of a user or organization, uploaded image or default avatar. */
const image = (imageId: string | null) => ({
  image_url: imageId === null ? defaultAvatar : imageUrl(imageId),
  has_image: imageId !== null
})

// Clerk answers `null` for an identification never verified, but the spec's nullable `oneOf` does not
// admit null, so the emulator reports an unverified one-time-code verification instead.
const verification = (i: IdentificationRecord): unknown =>
  i.verified
    ? { object: "verification_admin", status: "verified", strategy: "admin", attempts: null, expire_at: null }
    : {
        object: "verification_otp",
        status: "unverified",
        strategy: i.kind === "email_address" ? "email_code" : "phone_code",
        attempts: null,
        expire_at: null
      }

export const emailAddressJson = (i: IdentificationRecord): Wire => ({
  id: i.id,
  object: "email_address",
  email_address: i.value,
  reserved: false,
  verification: verification(i),
  linked_to: [],
  matches_sso_connection: false,
  created_at: i.createdAt,
  updated_at: i.updatedAt
})

export const phoneNumberJson = (store: Store, i: IdentificationRecord): Wire => ({
  id: i.id,
  object: "phone_number",
  phone_number: i.value,
  reserved_for_second_factor: i.reservedForSecondFactor,
  default_second_factor:
    i.reservedForSecondFactor && store.users.get(i.userId)?.primaryPhoneNumberId === i.id,
  reserved: false,
  verification: verification(i),
  linked_to: [],
  backup_codes: null,
  created_at: i.createdAt,
  updated_at: i.updatedAt
})

export const userJson = (store: Store, u: UserRecord): Wire => ({
  id: u.id,
  object: "user",
  external_id: u.externalId,
  primary_email_address_id: u.primaryEmailAddressId,
  primary_phone_number_id: u.primaryPhoneNumberId,
  primary_web3_wallet_id: null,
  username: u.username,
  first_name: u.firstName,
  last_name: u.lastName,
  locale: u.locale,
  profile_image_url: image(u.imageId).image_url,
  ...image(u.imageId),
  public_metadata: u.publicMetadata,
  private_metadata: u.privateMetadata,
  unsafe_metadata: u.unsafeMetadata,
  email_addresses: store.identificationsOf(u.id, "email_address").map(emailAddressJson),
  phone_numbers: store.identificationsOf(u.id, "phone_number").map((p) => phoneNumberJson(store, p)),
  web3_wallets: [],
  passkeys: [],
  password_enabled: u.passwordEnabled,
  two_factor_enabled: false,
  totp_enabled: false,
  backup_code_enabled: false,
  mfa_enabled_at: null,
  mfa_disabled_at: null,
  password_last_updated_at: u.passwordLastUpdatedAt,
  external_accounts: [],
  saml_accounts: [],
  enterprise_accounts: [],
  last_sign_in_at: u.lastSignInAt,
  banned: u.banned,
  locked: u.locked,
  lockout_expires_in_seconds: null,
  verification_attempts_remaining: u.locked ? 0 : 100,
  updated_at: u.updatedAt,
  created_at: u.createdAt,
  delete_self_enabled: u.deleteSelfEnabled,
  create_organization_enabled: u.createOrganizationEnabled,
  create_organizations_limit: u.createOrganizationsLimit,
  last_active_at: u.lastActiveAt,
  legal_accepted_at: u.legalAcceptedAt,
  bypass_client_trust: u.bypassClientTrust
})

export const organizationJson = (
  store: Store,
  o: OrganizationRecord,
  options: { readonly includeMembersCount?: boolean } = {}
): Wire => ({
  object: "organization",
  id: o.id,
  name: o.name,
  slug: o.slug,
  ...image(o.imageId),
  ...(options.includeMembersCount ? { members_count: store.membershipsIn(o.id).length } : {}),
  pending_invitations_count: [...store.organizationInvitations.values()].filter(
    (i) => i.organizationId === o.id && i.status === "pending"
  ).length,
  max_allowed_memberships: o.maxAllowedMemberships,
  admin_delete_enabled: o.adminDeleteEnabled,
  public_metadata: o.publicMetadata,
  private_metadata: o.privateMetadata,
  ...(o.createdBy === null ? {} : { created_by: o.createdBy }),
  role_set_key: o.roleSetKey,
  created_at: o.createdAt,
  updated_at: o.updatedAt
})

const primaryEmail = (store: Store, u: UserRecord): string | null =>
  (u.primaryEmailAddressId && store.identifications.get(u.primaryEmailAddressId)?.value) ?? null

/** A role's display name; a role deleted since keeps its key as its name. */
const roleName = (store: Store, key: string): string => store.findRole(key)?.name ?? key

export const membershipJson = (store: Store, m: MembershipRecord): Wire => {
  const organization = store.organizations.get(m.organizationId)
  const user = store.users.get(m.userId)
  return {
    id: m.id,
    object: "organization_membership",
    role: m.role,
    role_name: roleName(store, m.role),
    permissions: store.permissionKeysOf(m.role),
    public_metadata: m.publicMetadata,
    private_metadata: m.privateMetadata,
    organization: organization ? organizationJson(store, organization) : null,
    public_user_data: {
      user_id: m.userId,
      first_name: user?.firstName ?? null,
      last_name: user?.lastName ?? null,
      profile_image_url: image(user?.imageId ?? null).image_url,
      ...image(user?.imageId ?? null),
      identifier: user ? primaryEmail(store, user) : null,
      username: user?.username ?? null
    },
    created_at: m.createdAt,
    updated_at: m.updatedAt
  }
}

export const organizationInvitationJson = (
  store: Store,
  i: OrganizationInvitationRecord,
  options: { readonly withOrganization?: boolean } = {}
): Wire => {
  const inviter = i.inviterId === null ? undefined : store.users.get(i.inviterId)
  const organization = store.organizations.get(i.organizationId)
  return {
    object: "organization_invitation",
    id: i.id,
    email_address: i.emailAddress,
    role: i.role,
    role_name: roleName(store, i.role),
    organization_id: i.organizationId,
    inviter_id: i.inviterId,
    public_inviter_data:
      inviter === undefined
        ? null
        : {
            user_id: inviter.id,
            first_name: inviter.firstName,
            last_name: inviter.lastName,
            ...image(inviter.imageId),
            identifier: primaryEmail(store, inviter) ?? inviter.username ?? inviter.id
          },
    status: i.status,
    public_metadata: i.publicMetadata,
    private_metadata: i.privateMetadata,
    url: null,
    expires_at: i.expiresAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    ...(options.withOrganization && organization
      ? {
          public_organization_data: {
            id: organization.id,
            name: organization.name,
            slug: organization.slug,
            ...image(organization.imageId)
          }
        }
      : {})
  }
}

export const invitationJson = (i: InvitationRecord): Wire => ({
  object: "invitation",
  id: i.id,
  email_address: i.emailAddress,
  public_metadata: i.publicMetadata,
  revoked: i.status === "revoked",
  status: i.status,
  url: i.url,
  expires_at: i.expiresAt,
  created_at: i.createdAt,
  updated_at: i.updatedAt
})

export const sessionJson = (s: SessionRecord): Wire => ({
  object: "session",
  id: s.id,
  user_id: s.userId,
  client_id: s.clientId,
  actor: s.actor ?? null,
  status: s.status,
  last_active_organization_id: s.lastActiveOrganizationId,
  last_active_at: s.lastActiveAt,
  expire_at: s.expireAt,
  abandon_at: s.abandonAt,
  updated_at: s.updatedAt,
  created_at: s.createdAt,
  ...(s.tasks === undefined ? {} : { tasks: s.tasks.map((key) => ({ key })) })
})

export const deletedJson = (object: string, id: string, extra: Record<string, string> = {}): unknown => ({
  object,
  id,
  ...extra,
  deleted: true
})

/** Every stored resource in its wire shape, oldest first. */
export const snapshotJson = (store: Store) => {
  const byAge = <A extends { readonly createdAt: number }>(m: Map<string, A>) =>
    [...m.values()].sort((a, b) => a.createdAt - b.createdAt)
  return {
    users: byAge(store.users).map((u) => userJson(store, u)),
    organizations: byAge(store.organizations).map((o) =>
      organizationJson(store, o, { includeMembersCount: true })
    ),
    organizationMemberships: byAge(store.memberships).map((m) => membershipJson(store, m)),
    organizationInvitations: byAge(store.organizationInvitations).map((i) =>
      organizationInvitationJson(store, i)
    ),
    invitations: byAge(store.invitations).map(invitationJson),
    sessions: byAge(store.sessions).map(sessionJson)
  }
}
