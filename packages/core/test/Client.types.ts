/**
 * Type tests, checked by `pnpm typecheck` (tsc7): every `@ts-expect-error` below must be an error,
 * or the check fails because the directive is unused.
 */
import { Context, Effect, Layer, Logger, Redacted } from "effect"
import {
  Auth,
  type Call,
  Client,
  type Descriptor,
  type Errors,
  type Options,
  type Pagination,
  Provider,
  type Secret,
  TokenStore,
} from "../src/index.ts"
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

// The generic operation types a generated client binds to its `paths` and error envelope.
declare const getPet: Client.PromiseOperation<paths, "/pets/{petId}", "get">
declare const createPet: Client.PromiseOperation<paths, "/pets", "post">
declare const listPets: Client.PromiseOperation<paths, "/pets", "get">
declare const pages: Pagination.Paginator<paths, "/pets", "get", "items">
declare const getPetEffect: Client.EffectOperation<paths, "/pets/{petId}", "get", { error: string }>

export const operationTypeTests = async () => {
  const { data, error } = await getPet({ params: { path: { petId: "1" } } })
  data?.name satisfies string | undefined
  error?.error satisfies string | undefined
  await createPet({ body: { name: "Rex" }, keyway: { idempotencyKey: "k" } })
  await listPets()
  await listPets({ params: { query: { limit: 2 } } })
  // @ts-expect-error a required init is required
  await getPet()
  // @ts-expect-error a wrong path parameter
  await getPet({ params: { path: { id: "1" } } })
  // @ts-expect-error a wrong query parameter type
  await listPets({ params: { query: { limit: "ten" } } })
  // @ts-expect-error a wrong body
  await createPet({ body: { nom: "Rex" } })
  // @ts-expect-error an unknown call option
  await listPets({ keyway: { retries: 3 } })
  // @ts-expect-error a path that is not in the spec
  type NoPath = Client.PromiseOperation<paths, "/cats", "get">
  // @ts-expect-error a method that is not a method
  type NoMethod = Client.PromiseOperation<paths, "/pets", "fetch">

  const pet: Client.OperationData<paths, "/pets/{petId}", "get"> = { id: 1, name: "Rex" }
  // @ts-expect-error the data is typed
  pet.name satisfies number
  const effect = getPetEffect({ params: { path: { petId: "1" } } })
  effect satisfies Effect.Effect<
    { id: number; name: string },
    Errors.HttpError<{ error: string }> | Call.CallError | Errors.UnexpectedResponse
  >
  // @ts-expect-error the Effect operation is typed the same way
  getPetEffect({ params: { path: {} } })
  const args: Client.OperationArgs<Client.OperationInit<paths, "/pets", "post">> = [{ body: { name: "x" } }]
  void args

  type Page = {
    readonly meta: { readonly total: number }
    readonly data: { readonly items: Array<{ id: number }> }
  }
  const item: Pagination.PageItem<Page, "data.items"> = { id: 1 }
  // @ts-expect-error the page item is typed
  item.id satisfies string
  for await (const p of pages({ params: { query: { limit: 5 } } })) p satisfies unknown
  // @ts-expect-error a paginator takes the operation's init
  pages({ params: { query: { limit: "five" } } })
  return { NoPath: null as unknown as NoPath, NoMethod: null as unknown as NoMethod }
}

// A provider definition: `make` and `layer` are typed by the paths, the envelope and the options.
interface PetOptions extends Client.ProviderOptions {
  readonly token: string
}
declare const petstore: Client.Provider<paths, { error: string }, PetOptions>
declare const operations: Client.OperationList
class Pets extends Context.Service<
  Pets,
  Client.EffectClient<paths, { error: string }> & { readonly count: number }
>()("Pets") {}

export const providerTypeTests = async () => {
  const client = petstore.make({ token: "t" }, () => ({ count: 1 }))
  client.count satisfies number
  await client.GET("/pets")
  // @ts-expect-error the client keeps its paths
  await client.GET("/cats")
  // @ts-expect-error the options are typed
  petstore.make({ tokn: "t" })
  Client.bindOperations(client, operations)
  petstore.layer(Pets, { token: "t" }, () => ({ count: 1 })) satisfies Layer.Layer<Pets, unknown>
  // @ts-expect-error the extension must give what the service declares
  petstore.layer(Pets, { token: "t" }, () => ({}))
  // @ts-expect-error with the declared types
  petstore.layer(Pets, { token: "t" }, () => ({ count: "1" }))
  const definition = Client.defineProvider<paths, { error: string }>()({
    provider: "petstore",
    resolveSettings: (options: PetOptions) => ({ baseUrl: options.baseUrl ?? "http://x" }),
    authLayer: () => Auth.layerNone,
  })
  definition satisfies Client.Provider<paths, { error: string }, PetOptions>
}

// The Promise API's options take plugin layers through Effect-free brands: a layer of the right
// service is accepted as it is, a layer of another service is not.
declare const needsStore: Layer.Layer<Auth.Auth, Error, TokenStore.TokenStore>
class Other extends Context.Service<Other, { readonly n: number }>()("Other") {}
declare const needsOther: Layer.Layer<Auth.Auth, never, Other>
declare const otherLayer: Layer.Layer<Other>

export const layerBrandTests = () => {
  const base = { provider: "p", baseUrl: "https://x.example" }
  Client.make<paths>({ ...base, auth: Auth.layerNone })
  Client.make<paths>({ ...base, auth: needsStore, tokenStore: TokenStore.layerMemory, layer: otherLayer })
  Client.make<paths>({ ...base, auth: Auth.layerNone, layer: Logger.layer([Logger.consolePretty()]) })
  // @ts-expect-error a token store is no auth plugin
  Client.make<paths>({ ...base, auth: TokenStore.layerMemory })
  // @ts-expect-error an auth layer that needs a service the client does not give
  Client.make<paths>({ ...base, auth: needsOther })
  // @ts-expect-error not a layer at all
  Client.make<paths>({ ...base, auth: { authenticate: () => undefined } })
  // @ts-expect-error an auth plugin is no token store
  Client.make<paths>({ ...base, auth: Auth.layerNone, tokenStore: Auth.layerNone })
  // @ts-expect-error extra services must need nothing
  Client.make<paths>({ ...base, auth: Auth.layerNone, layer: needsOther })
  const secrets: Array<Secret.Secret> = ["plain", Redacted.make("redacted")]
  // @ts-expect-error a secret is a string or a Redacted string
  const notSecret: Secret.Secret = 42
  // @ts-expect-error a Redacted of something else is not a secret
  const notString: Secret.Secret = Redacted.make(42)
  return [secrets, notSecret, notString]
}

// Options.RedirectPolicy spells the descriptor's CrossOrigin literals without effect: the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const crossOriginPinned: Same<Descriptor.CrossOrigin, Options.RedirectPolicy["crossOrigin"]> = true

// Provider.makeClient: Paths given, the extension inferred (what a generated createClient runs).
declare const cca: Client.ProviderDefinition<PetOptions, Client.ProviderSettings>
export const makeClientTypeTests = async () => {
  const client = Provider.makeClient<paths>()(cca, { token: "t" }, (c) => ({ op: { count: 1 }, c }))
  client.op.count satisfies number
  await client.GET("/pets")
  // @ts-expect-error the client keeps its paths
  await client.GET("/cats")
  // @ts-expect-error the options are the definition's
  Provider.makeClient<paths>()(cca, { tokn: "t" })
}
