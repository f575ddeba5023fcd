import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Chunk, Effect, Stream } from "effect"
import type { EmulatorRequest, EmulatorResponse } from "./app.js"

const encoder = new TextEncoder()

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(Chunk.reduce(chunks, 0, (n, c) => n + c.length))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

interface Body {
  readonly contentType: string | undefined
  readonly bytes: Uint8Array
}

/** The body as a transport would put it on the wire: bytes and their content type. */
const wireBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Body, HttpClientError.RequestError> => {
  const body = request.body
  const contentType = body.contentType ?? request.headers["content-type"]
  const encodeError = (description: string, cause?: unknown) =>
    new HttpClientError.RequestError({ request, reason: "Encode", description, cause })
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ contentType, bytes: new Uint8Array() })
    case "Uint8Array":
      return Effect.succeed({ contentType, bytes: body.body })
    case "Raw":
      if (typeof body.body === "string")
        return Effect.succeed({ contentType, bytes: encoder.encode(body.body) })
      if (body.body instanceof Uint8Array) return Effect.succeed({ contentType, bytes: body.body })
      return Effect.fail(encodeError("the Clerk emulator reads string or byte bodies only"))
    case "FormData":
      // Encoded like fetch would, so the multipart boundary lands in the content type.
      return Effect.tryPromise({
        try: async () => {
          const encoded = new Response(body.formData)
          return {
            contentType: encoded.headers.get("content-type") ?? undefined,
            bytes: new Uint8Array(await encoded.arrayBuffer())
          }
        },
        catch: (cause) => encodeError("encoding the multipart form failed", cause)
      })
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => ({ contentType, bytes: concat(chunks) })),
        Effect.mapError((cause) => encodeError("reading the request body stream failed", cause))
      )
  }
}

/** An HttpClient answered in process by `handle`: no sockets, any host name. */
export const makeHttpClient = (
  handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>
): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    wireBody(request).pipe(
      Effect.flatMap(({ contentType, bytes }) =>
        handle({
          method: request.method,
          url,
          authorization: request.headers.authorization,
          contentType,
          body: bytes
        })
      ),
      Effect.map((response) =>
        HttpClientResponse.fromWeb(
          request,
          // A 204 answer may carry no body at all: `Response` refuses even an empty one.
          new Response(request.method === "HEAD" || response.status === 204 ? null : response.body, {
            status: response.status,
            headers: response.headers
          })
        )
      )
    )
  )
