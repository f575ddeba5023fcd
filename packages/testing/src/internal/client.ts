import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Chunk, Effect, Stream } from "effect"
import type { EmulatorRequest, EmulatorResponse } from "./app.js"

const decoder = new TextDecoder()

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(Chunk.reduce(chunks, 0, (n, c) => n + c.length))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

const bodyText = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<string, HttpClientError.RequestError> => {
  const body = request.body
  const encodeError = (description: string, cause?: unknown) =>
    new HttpClientError.RequestError({ request, reason: "Encode", description, cause })
  switch (body._tag) {
    case "Empty":
      return Effect.succeed("")
    case "Uint8Array":
      return Effect.succeed(decoder.decode(body.body))
    case "Raw":
      if (typeof body.body === "string") return Effect.succeed(body.body)
      if (body.body instanceof Uint8Array) return Effect.succeed(decoder.decode(body.body))
      return Effect.fail(encodeError("the Clerk emulator reads string or byte bodies only"))
    case "FormData":
      // No emulated operation takes multipart; those operations answer 501 whatever the body.
      return Effect.succeed("")
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => decoder.decode(concat(chunks))),
        Effect.mapError((cause) => encodeError("reading the request body stream failed", cause))
      )
  }
}

/** An HttpClient answered in process by `handle`: no sockets, any host name. */
export const makeHttpClient = (
  handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>
): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    bodyText(request).pipe(
      Effect.flatMap((body) =>
        handle({ method: request.method, url, authorization: request.headers.authorization, body })
      ),
      Effect.map((response) =>
        HttpClientResponse.fromWeb(
          request,
          new Response(request.method === "HEAD" ? null : response.body, {
            status: response.status,
            headers: response.headers
          })
        )
      )
    )
  )
