// What both OpenTelemetry tests share: a CCW sandbox with one injected 503 (so one call has two
// attempts and a retry reason), the generated CCW client, and the secrets nothing may contain.
import { createClient } from "@keyway/provider-ccw"
import type { CcwSandbox } from "@keyway/sandbox"
import { type Layer, Redacted } from "effect"

export const searchBody = { meta: { limit: 5, offset: 0 }, data: { status: "submitted" } }

/** One call to `searchCandidates` whose first attempt gets a 503 with `Retry-After: 0`. */
export const callOnce = async (sandbox: CcwSandbox, layer: Layer.Layer<never>) => {
  sandbox.control.injectFault({ type: "5xx", status: 503, retryAfter: 0, times: 1, target: "api" })
  const client = createClient({
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl!,
    auth: {
      clientId: sandbox.credentials.clientId,
      clientSecret: Redacted.make(sandbox.credentials.clientSecret),
    },
    layer,
  })
  try {
    const { response } = await client.op.searchCandidates({
      body: searchBody,
      keyway: { correlationId: "otel-corr-1" },
    })
    return response.status
  } finally {
    await client.close()
  }
}

/** Asserts that no secret (client secret, a bearer token, a JWT) appears in `text`. */
export const secretsIn = (text: string, sandbox: CcwSandbox): ReadonlyArray<string> =>
  [
    sandbox.credentials.clientSecret,
    "Bearer ",
    "eyJ", // the start of every JWT: CCW's access tokens are JWTs
    "client_secret",
  ].filter((secret) => text.includes(secret))
