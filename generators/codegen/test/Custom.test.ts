/**
 * A custom auth strategy in provider.yaml (`type: custom`, a plugin package and export, options
 * validated by the plugin's own schema) generates a typed client that builds the plugin.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Auth, Http, TokenStore } from "@keyway/core"
import { Context, Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { fixtures, project, run, typecheck } from "./helpers.ts"

describe("a custom auth strategy", () => {
  it("generates a typed client whose auth option is the plugin's credentials type, and builds the plugin", async () => {
    const dir = project("custom", ["custom"])
    const r = await run(["generate"], dir)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    const out = join(dir, "packages", "custom")
    const client = readFileSync(join(out, "src", "client.ts"), "utf8")
    // the credentials type in the Promise entry (a type-only import), the plugin's layer in src/auth.ts
    expect(client).toContain(`import type * as Custom0 from "@keyway/example-auth-hmac-signing"`)
    expect(client).toContain(`Auth.CredentialsOf<(typeof Custom0)["hmacSigning"]>`)
    expect(readFileSync(join(out, "src", "auth.ts"), "utf8")).toContain(
      `import * as Custom0 from "@keyway/example-auth-hmac-signing"`,
    )
    const pkg = JSON.parse(readFileSync(join(out, "package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    expect(pkg.dependencies["@keyway/example-auth-hmac-signing"]).toBe("workspace:*")
    // The JSON Schema for editors describes the plugin's options.
    const schema = readFileSync(join(dir, "specs", "provider.schema.json"), "utf8")
    expect(
      JSON.parse(schema).$defs.CustomStrategy.allOf[0].then.properties.options.properties.keyId.type,
    ).toBe("string")

    copyFileSync(join(fixtures, "typetests", "custom.ts"), join(out, "src", "typetest.ts"))
    const t = typecheck(join(out, "tsconfig.json"))
    expect(t.output).toBe("")
    expect(t.code).toBe(0)

    // At run time the generated authLayer (the ./effect entry) builds the plugin with the descriptor's options.
    const generated = (await import(pathToFileURL(join(out, "src", "effect.ts")).href)) as {
      authLayer: (options: unknown) => Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
    }
    const signed = await Effect.runPromise(
      Effect.gen(function* () {
        const context = yield* Layer.build(generated.authLayer({ auth: { secret: "s3cret" } }))
        const plugin = Context.get(context, Auth.Auth)
        return yield* plugin.authenticate(Http.makeRequest("GET", "https://api.custom.test/things"), {
          correlationId: "c",
          attempt: 1,
        })
      }).pipe(Effect.scoped, Effect.provide(TokenStore.layerMemory)),
    )
    expect(signed.headers.authorization).toMatch(/^HMAC keyId=k-2026,signature=/)
  })

  it("options that do not fit the plugin's schema, and a plugin that does not exist, are descriptor problems", async () => {
    const dir = project("custom-bad", ["custom"])
    const descriptor = join(dir, "specs", "custom", "provider.yaml")
    writeFileSync(descriptor, readFileSync(descriptor, "utf8").replace("keyId: k-2026", "keyId: 7, extra: 1"))
    const bad = await run(["generate"], dir)
    expect(bad.code).not.toBe(0)
    expect(bad.err).toContain("/auth/0/options/keyId")
    expect(bad.err).toContain('unknown option "extra"')
    writeFileSync(
      descriptor,
      readFileSync(descriptor, "utf8").replace("@keyway/example-auth-hmac-signing", "@keyway/no-such-plugin"),
    )
    const missing = await run(["generate"], dir)
    expect(missing.code).not.toBe(0)
    expect(missing.err).toContain('"@keyway/no-such-plugin" is not installed')
  })
})
