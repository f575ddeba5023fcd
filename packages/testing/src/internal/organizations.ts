import { type RawHandler, sync } from "./context.js"
import { apiError, paramFormatInvalid } from "./errors.js"
import { makeId, randomBase62 } from "./ids.js"
import {
  bodyObject,
  containsFold,
  mergedMetadata,
  optBoolean,
  optInteger,
  optMetadata,
  optString,
  optTimestamp,
  orderBy,
  page,
  paginate,
  queryBoolean,
  passesIdFilter,
  queryIdFilter,
  queryString,
  reqFile,
  reqString
} from "./params.js"
import { deletedJson, imageUrl, organizationJson } from "./serialize.js"
import type { OrganizationRecord, Store } from "./store.js"
import { addMembership } from "./memberships.js"
import { findUser, organizationParam } from "./lookups.js"

const slugTaken = (store: Store, slug: string, self?: string): boolean =>
  [...store.organizations.values()].some((o) => o.slug === slug && o.id !== self)

const checkSlug = (store: Store, slug: string, self?: string): string => {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) {
    throw paramFormatInvalid("slug", "slug may contain only lowercase letters, digits and single dashes.")
  }
  if (slugTaken(store, slug, self)) {
    throw apiError(
      422,
      "form_identifier_exists",
      "That slug is taken. Please try another.",
      "That slug is taken. Please try another.",
      {
        param_name: "slug"
      }
    )
  }
  return slug
}

const slugFromName = (store: Store, name: string): string => {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "organization"
  return slugTaken(store, base) ? `${base}-${randomBase62(8).toLowerCase()}` : base
}

const createOrganization = sync((ctx) => {
  const { store } = ctx
  const body = bodyObject(ctx.body)
  const name = reqString(body, "name")
  const createdBy = optString(body, "created_by") ?? null
  const creator = createdBy === null ? undefined : findUser(store, createdBy)
  const rawSlug = optString(body, "slug")
  const slug = rawSlug ? checkSlug(store, rawSlug) : slugFromName(store, name)
  const maxAllowedMemberships = optInteger(body, "max_allowed_memberships") ?? 5
  const publicMetadata = optMetadata(body, "public_metadata") ?? {}
  const privateMetadata = optMetadata(body, "private_metadata") ?? {}
  const roleSetKey = optString(body, "role_set_key") ?? null
  const now = store.now()
  const createdAt = optTimestamp(body, "created_at") ?? now
  const organization: OrganizationRecord = {
    id: store.newId("org"),
    name,
    slug,
    maxAllowedMemberships,
    adminDeleteEnabled: true,
    publicMetadata,
    privateMetadata,
    createdBy,
    roleSetKey,
    imageId: null,
    createdAt,
    updatedAt: Math.max(createdAt, now)
  }
  store.organizations.set(organization.id, organization)
  // Clerk makes the creator the organization's first admin.
  if (creator !== undefined) addMembership(store, organization, creator, "org:admin", {}, {})
  return organizationJson(store, organization)
})

const listOrganizations = sync((ctx) => {
  const { store, query } = ctx
  const p = page(query)
  const text = queryString(query, "query")
  const userIds = queryIdFilter(query, "user_id")
  const organizationIds = queryIdFilter(query, "organization_id")
  const includeMembersCount = queryBoolean(query, "include_members_count") ?? false
  const matching = [...store.organizations.values()].filter(
    (o) =>
      (text === undefined || [o.id, o.name, o.slug].some((v) => containsFold(v, text))) &&
      passesIdFilter(organizationIds, [o.id]) &&
      passesIdFilter(
        userIds,
        store.membershipsIn(o.id).map((m) => m.userId)
      )
  )
  const sorted = orderBy(
    query,
    matching,
    {
      name: (o) => o.name.toLowerCase(),
      created_at: (o) => o.createdAt,
      members_count: (o) => store.membershipsIn(o.id).length
    },
    "-created_at"
  )
  return {
    data: paginate(sorted, p).map((o) => organizationJson(store, o, { includeMembersCount })),
    total_count: sorted.length
  }
})

const updateOrganization = sync((ctx) => {
  const { store } = ctx
  const organization = organizationParam(ctx)
  const body = bodyObject(ctx.body)
  const name = optString(body, "name")
  const rawSlug = optString(body, "slug")
  const slug = rawSlug ? checkSlug(store, rawSlug, organization.id) : undefined
  const maxAllowed = optInteger(body, "max_allowed_memberships")
  const adminDeleteEnabled = optBoolean(body, "admin_delete_enabled")
  const roleSetKey = optString(body, "role_set_key")
  const createdAt = optTimestamp(body, "created_at") ?? undefined
  if (name) organization.name = name
  if (slug !== undefined) organization.slug = slug
  if (typeof maxAllowed === "number") organization.maxAllowedMemberships = maxAllowed
  if (typeof adminDeleteEnabled === "boolean") organization.adminDeleteEnabled = adminDeleteEnabled
  if (roleSetKey !== undefined) organization.roleSetKey = roleSetKey
  if (createdAt !== undefined) organization.createdAt = createdAt
  organization.updatedAt = store.now()
  return organizationJson(store, organization)
})

const deleteOrganization = sync((ctx) => {
  const { store } = ctx
  const organization = organizationParam(ctx)
  for (const m of store.membershipsIn(organization.id)) store.memberships.delete(m.id)
  for (const i of [...store.organizationInvitations.values()]) {
    if (i.organizationId === organization.id) store.organizationInvitations.delete(i.id)
  }
  store.organizations.delete(organization.id)
  return deletedJson("organization", organization.id, { slug: organization.slug })
})

const metadata = (merge: boolean): RawHandler =>
  sync((ctx) => {
    const organization = organizationParam(ctx)
    const body = bodyObject(ctx.body)
    // Both are read (and validated) before either is applied.
    const read = (key: string, current: Record<string, unknown>) =>
      merge ? mergedMetadata(body, key, current) : optMetadata(body, key)
    const publicMetadata = read("public_metadata", organization.publicMetadata)
    const privateMetadata = read("private_metadata", organization.privateMetadata)
    if (publicMetadata) organization.publicMetadata = publicMetadata
    if (privateMetadata) organization.privateMetadata = privateMetadata
    organization.updatedAt = ctx.store.now()
    return organizationJson(ctx.store, organization)
  })

const uploadLogo = sync((ctx) => {
  const organization = organizationParam(ctx)
  const body = bodyObject(ctx.body)
  reqFile(body, "file")
  const uploader = optString(body, "uploader_user_id")
  if (uploader) findUser(ctx.store, uploader)
  const imageId = makeId("img")
  organization.imageId = imageId
  organization.updatedAt = ctx.store.now()
  // OrganizationWithLogo still carries the deprecated `logo_url` next to `image_url`.
  return { ...organizationJson(ctx.store, organization), logo_url: imageUrl(imageId) }
})

const deleteLogo = sync((ctx) => {
  const organization = organizationParam(ctx)
  organization.imageId = null
  organization.updatedAt = ctx.store.now()
  return organizationJson(ctx.store, organization)
})

export const handlers: Record<string, RawHandler> = {
  ListOrganizations: listOrganizations,
  CreateOrganization: createOrganization,
  GetOrganization: sync((ctx) =>
    organizationJson(ctx.store, organizationParam(ctx), {
      includeMembersCount: queryBoolean(ctx.query, "include_members_count") ?? false
    })
  ),
  UpdateOrganization: updateOrganization,
  DeleteOrganization: deleteOrganization,
  MergeOrganizationMetadata: metadata(true),
  ReplaceOrganizationMetadata: metadata(false),
  UploadOrganizationLogo: uploadLogo,
  DeleteOrganizationLogo: deleteLogo
}
