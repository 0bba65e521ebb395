/**
 * Type tests, checked by `pnpm typecheck` (tsc7): every `@ts-expect-error` below must be an error,
 * or the check fails because the directive is unused.
 */
import { Effect, Layer } from "effect"
import { Auth, Client } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"

declare const client: Client.Client<paths>

export const typeTests = async () => {
  // Correct calls compile, and data is typed.
  const { data } = await client.GET("/pets", { params: { query: { limit: 1 } } })
  data?.[0]?.name.toUpperCase()
  await client.POST("/pets", {
    body: { name: "x" },
    keyway: { idempotencyKey: "k", retry: { maxAttempts: 2 } },
  })
  await client.GET("/pets/{petId}", { params: { path: { petId: "1" } } })

  // @ts-expect-error a path that is not in the spec
  await client.GET("/cats")
  // @ts-expect-error a method the path does not have
  await client.DELETE("/pets")
  // @ts-expect-error a missing path parameter
  await client.GET("/pets/{petId}", { params: { path: {} } })
  // @ts-expect-error a wrong query parameter type
  await client.GET("/pets", { params: { query: { limit: "ten" } } })
  // @ts-expect-error a wrong body
  await client.POST("/pets", { body: { nom: "x" } })
  // @ts-expect-error a missing body
  await client.POST("/pets", {})
  // @ts-expect-error an unknown call option
  await client.GET("/pets", { keyway: { retries: 3 } })
  // @ts-expect-error data is possibly undefined before checking
  data[0]

  const program = Effect.gen(function* () {
    const api = yield* Client.makeEffect<paths, { error: string }>({ provider: "p", baseUrl: "http://x" })
    const pets = yield* api.GET("/pets")
    const name: string = pets[0]!.name
    // @ts-expect-error the Effect API is typed the same way
    yield* api.GET("/dogs")
    return name
  }).pipe(
    Effect.provide(Layer.succeed(Auth.Auth, Auth.make({ name: "n", authenticate: Effect.succeed }))),
    Effect.scoped,
  )
  return program
}
