/**
 * The hand-wired baseline of the HTTP benchmark: a `fetch` for openapi-fetch in ten lines on
 * `undici.request` over a keep-alive pool, with nothing else (no auth, retry, correlation id,
 * limits). What a user who wires openapi-fetch to undici by hand gets; Keyway aims to be at least
 * as fast while doing more.
 */
import { Agent, request } from "undici"

export const make =
  (dispatcher: Agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 })) =>
  async (input: Request): Promise<Response> => {
    const headers: Record<string, string> = {}
    input.headers.forEach((value, name) => {
      headers[name] = value
    })
    const body = input.body === null ? undefined : new Uint8Array(await input.arrayBuffer())
    const res = await request(input.url, { method: input.method as "GET", headers, body, dispatcher })
    const bytes = await res.body.arrayBuffer()
    const out = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : [value ?? ""]) out.append(name, v)
    }
    return new Response(res.statusCode === 204 ? null : bytes, { status: res.statusCode, headers: out })
  }
