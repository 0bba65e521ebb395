/**
 * Type tests of the openapi-fetch surface, checked by `pnpm typecheck` (tsc7): a Keyway client is
 * assignable where openapi-fetch's `Client<Paths>` is expected, openapi-fetch's helper types
 * accept it, and Keyway's `keyway` call options stay typed. Every `@ts-expect-error` must be an
 * error, or the check fails because the directive is unused.
 */
import type {
  ClientPathsWithMethod,
  MethodResponse,
  Middleware,
  Client as OpenapiFetchClient,
  PathBasedClient,
} from "openapi-fetch"
import { wrapAsPathBasedClient } from "openapi-fetch"
import type { Client } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"

declare const client: Client.Client<paths>
declare const pathBased: Client.PathBasedClient<paths>

// Where openapi-fetch's client is expected, a Keyway client fits.
export const asOpenapiFetch: OpenapiFetchClient<paths> = client
const takesClient = (c: OpenapiFetchClient<paths>) => c
takesClient(client)
export const wrapped: PathBasedClient<paths> = wrapAsPathBasedClient(client)
export const asPathBased: PathBasedClient<paths> = pathBased

// openapi-fetch's helper types accept a Keyway client.
type Pets = MethodResponse<typeof client, "get", "/pets">
export const pets: Pets = [{ id: 1, name: "Rex" }]
// @ts-expect-error the helper's answer is the real response type
export const wrongPets: Pets = [{ id: "1", name: "Rex" }]
type GetPaths = ClientPathsWithMethod<typeof client, "get">
export const getPath: GetPaths = "/pets/{petId}"
// @ts-expect-error /pets has no DELETE
export const deletePath: ClientPathsWithMethod<typeof client, "delete"> = "/pets"

const logging: Middleware = {
  onRequest: ({ request }) => {
    request.headers.set("x-trace", "1")
  },
}

export const surface = async () => {
  client.use(logging)
  client.eject(logging)
  const { data } = await client.request("get", "/pets", { keyway: { retry: { maxAttempts: 1 } } })
  data?.[0]?.name.toUpperCase()
  await client.TRACE("/search")
  await pathBased["/pets/{petId}"].GET({ params: { path: { petId: "1" } }, keyway: { timeoutMs: 100 } })
  await pathBased.close()
  // @ts-expect-error request() checks the path against the method
  await client.request("delete", "/pets")
  // @ts-expect-error an unknown call option, through request()
  await client.request("get", "/pets", { keyway: { retries: 3 } })
  // @ts-expect-error an unknown call option, on the path-based client
  await pathBased["/pets"].GET({ keyway: { retries: 3 } })
  // @ts-expect-error a missing path parameter on the path-based client
  await pathBased["/pets/{petId}"].GET({ params: { path: {} } })
}
