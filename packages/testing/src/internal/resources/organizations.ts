import { Effect } from "effect"
import type { Handler, HandlerContext, Handlers } from "../context.js"
import { apiError, type ClerkApiError, paramFormatInvalid } from "../errors.js"
import { makeId, randomBase62 } from "../ids.js"
import { findOrganization, findUser } from "../lookups.js"
import { addMembership } from "./memberships.js"
import {
  containsFold,
  fileOf,
  idFilter,
  setMetadata,
  metadata,
  pageOf,
  paginate,
  passesIdFilter,
  sortBy,
  timestampOf
} from "../params.js"
import { deletedJson, imageUrl, organizationJson } from "../serialize.js"
import type { Metadata, OrganizationRecord, Store } from "../store.js"

const slugTaken = (store: Store, slug: string, self?: string): boolean =>
  [...store.organizations.values()].some((o) => o.slug === slug && o.id !== self)

const checkSlug = (store: Store, slug: string, self?: string): Effect.Effect<string, ClerkApiError> => {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug))
    return Effect.fail(
      paramFormatInvalid("slug", "slug may contain only lowercase letters, digits and single dashes.")
    )
  if (slugTaken(store, slug, self)) {
    return Effect.fail(
      apiError(
        422,
        "form_identifier_exists",
        "That slug is taken. Please try another.",
        "That slug is taken. Please try another.",
        {
          param_name: "slug"
        }
      )
    )
  }
  return Effect.succeed(slug)
}

const slugFromName = (store: Store, name: string): string => {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "organization"
  return slugTaken(store, base) ? `${base}-${randomBase62(8).toLowerCase()}` : base
}

const createOrganization: Handler<"CreateOrganization"> = (params, { store }) =>
  Effect.gen(function* () {
    const createdBy = params.createdBy ?? null
    const creator = createdBy === null ? undefined : yield* findUser(store, createdBy)
    const slug = params.slug ? yield* checkSlug(store, params.slug) : slugFromName(store, params.name)
    const publicMetadata = yield* metadata("public_metadata", params.publicMetadata ?? undefined)
    const privateMetadata = yield* metadata("private_metadata", params.privateMetadata ?? undefined)
    const now = store.now()
    const createdAt = (yield* timestampOf("created_at", params.createdAt)) ?? now
    const organization: OrganizationRecord = {
      id: store.newId("org"),
      name: params.name,
      slug,
      maxAllowedMemberships: params.maxAllowedMemberships ?? 5,
      adminDeleteEnabled: true,
      publicMetadata: publicMetadata ?? {},
      privateMetadata: privateMetadata ?? {},
      createdBy,
      roleSetKey: params.roleSetKey ?? null,
      imageId: null,
      createdAt,
      updatedAt: Math.max(createdAt, now)
    }
    store.organizations.set(organization.id, organization)
    // Clerk makes the creator the organization's first admin.
    if (creator !== undefined) yield* addMembership(store, organization, creator, "org:admin", {}, {})
    return organizationJson(store, organization)
  })

const listOrganizations: Handler<"ListOrganizations"> = (params, { store }) => {
  const text = params.query
  const userIds = idFilter(params.userId ?? [])
  const organizationIds = idFilter(params.organizationId ?? [])
  const includeMembersCount = params.includeMembersCount ?? false
  const matching = [...store.organizations.values()].filter(
    (o) =>
      (text === undefined || [o.id, o.name, o.slug].some((v) => containsFold(v, text))) &&
      passesIdFilter(organizationIds, [o.id]) &&
      passesIdFilter(
        userIds,
        store.membershipsIn(o.id).map((m) => m.userId)
      )
  )
  return Effect.map(
    sortBy(
      params.orderBy,
      matching,
      {
        name: (o) => o.name.toLowerCase(),
        created_at: (o) => o.createdAt,
        members_count: (o) => store.membershipsIn(o.id).length
      },
      "-created_at"
    ),
    (sorted) => ({
      data: paginate(sorted, pageOf(params)).map((o) => organizationJson(store, o, { includeMembersCount })),
      total_count: sorted.length
    })
  )
}

const updateOrganization: Handler<"UpdateOrganization"> = (params, { store }) =>
  Effect.gen(function* () {
    const organization = yield* findOrganization(store, params.organizationId)
    const slug = params.slug ? yield* checkSlug(store, params.slug, organization.id) : undefined
    const createdAt = yield* timestampOf("created_at", params.createdAt)
    if (params.name) organization.name = params.name
    if (slug !== undefined) organization.slug = slug
    if (typeof params.maxAllowedMemberships === "number")
      organization.maxAllowedMemberships = params.maxAllowedMemberships
    if (typeof params.adminDeleteEnabled === "boolean")
      organization.adminDeleteEnabled = params.adminDeleteEnabled
    if (params.roleSetKey !== undefined) organization.roleSetKey = params.roleSetKey
    if (typeof createdAt === "number") organization.createdAt = createdAt
    organization.updatedAt = store.now()
    return organizationJson(store, organization)
  })

const deleteOrganization: Handler<"DeleteOrganization"> = (params, { store }) =>
  Effect.map(findOrganization(store, params.organizationId), (organization) => {
    for (const m of store.membershipsIn(organization.id)) store.memberships.delete(m.id)
    for (const i of [...store.organizationInvitations.values()]) {
      if (i.organizationId === organization.id) store.organizationInvitations.delete(i.id)
    }
    store.organizations.delete(organization.id)
    return deletedJson("organization", organization.id, { slug: organization.slug })
  })

const updateMetadata =
  (how: "merge" | "replace") =>
  (
    params: {
      readonly organizationId: string
      readonly publicMetadata?: Metadata | undefined
      readonly privateMetadata?: Metadata | undefined
    },
    { store }: HandlerContext
  ) =>
    Effect.gen(function* () {
      const organization = yield* findOrganization(store, params.organizationId)
      yield* setMetadata(organization, params, ["publicMetadata", "privateMetadata"], how)
      organization.updatedAt = store.now()
      return organizationJson(store, organization)
    })

const uploadLogo: Handler<"UploadOrganizationLogo"> = (params, { store }) =>
  Effect.gen(function* () {
    const organization = yield* findOrganization(store, params.organizationId)
    yield* fileOf("file", params.file)
    if (params.uploaderUserId) yield* findUser(store, params.uploaderUserId)
    const imageId = makeId("img")
    organization.imageId = imageId
    organization.updatedAt = store.now()
    // OrganizationWithLogo still carries the deprecated `logo_url` next to `image_url`.
    return { ...organizationJson(store, organization), logo_url: imageUrl(imageId) }
  })

export const handlers: Handlers = {
  ListOrganizations: listOrganizations,
  CreateOrganization: createOrganization,
  GetOrganization: (params, { store }) =>
    Effect.map(findOrganization(store, params.organizationId), (organization) =>
      organizationJson(store, organization, { includeMembersCount: params.includeMembersCount ?? false })
    ),
  UpdateOrganization: updateOrganization,
  DeleteOrganization: deleteOrganization,
  MergeOrganizationMetadata: updateMetadata("merge"),
  ReplaceOrganizationMetadata: updateMetadata("replace"),
  UploadOrganizationLogo: uploadLogo,
  DeleteOrganizationLogo: (params, { store }) =>
    Effect.map(findOrganization(store, params.organizationId), (organization) => {
      organization.imageId = null
      organization.updatedAt = store.now()
      return organizationJson(store, organization)
    })
}
