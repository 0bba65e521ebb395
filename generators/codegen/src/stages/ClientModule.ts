/**
 * Stage 4, client: `src/client.ts`, handed to every plugin's `client` hook (the built-in
 * `keyway:client`, `keyway:operations` and `keyway:pagination` first), then the deferred steps
 * (the client factories, which see every extension). Statements are buffered as text and parsed
 * into a ts-morph `SourceFile` once (or when a plugin first asks for `ctx.sourceFile`), so a spec
 * with a thousand operations costs one parse, not one per statement.
 *
 * @example
 * ```ts
 * import { ClientModule } from "@keyway/codegen"
 * await ClientModule.run(stage, model)
 * stage.files.get("src/client.ts")
 * ```
 *
 * @since 0.1.0
 */
import type { Project, SourceFile } from "ts-morph"
import type { ProviderModel } from "../Model.ts"
import type { ClientContext, ClientExtension } from "../Plugin.ts"
import * as Hooks from "./Hooks.ts"

/**
 * Runs the stage and stores `src/client.ts` in `files`.
 *
 * @example
 * ```ts
 * import { ClientModule } from "@keyway/codegen"
 * await ClientModule.run({ input, config, plugins, files: new Map() }, model)
 * ```
 *
 * @since 0.1.0
 */
export const run = async (stage: Hooks.StageInput, model: ProviderModel): Promise<void> => {
  const { files } = stage
  const { Project } = await import("ts-morph")
  let project: Project | undefined
  let sourceFile: SourceFile | undefined
  const buffer: Array<string> = []
  const materialize = (): SourceFile => {
    if (!sourceFile) {
      project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true })
      sourceFile = project.createSourceFile("/client.ts", buffer.join("\n\n"), { overwrite: true })
      buffer.length = 0
    }
    return sourceFile
  }
  const extensions: Array<ClientExtension> = []
  const deferred: Array<() => void | Promise<void>> = []
  const ctx: ClientContext = {
    provider: model.name,
    files,
    model,
    addStatements: (text) => {
      if (sourceFile) sourceFile.addStatements(text)
      else buffer.push(text.trim())
    },
    get sourceFile() {
      return materialize()
    },
    extend: (extension) => {
      if (extensions.some((e) => e.name === extension.name))
        throw new Error(`the client property "${extension.name}" is already added by another plugin`)
      extensions.push(extension)
    },
    extensions,
    defer: (f) => void deferred.push(f),
  }
  await Hooks.run(stage.plugins, "client", ctx)
  for (const f of deferred) await f()
  const text = materialize().getFullText()
  if (text.trim().length > 0) files.set("src/client.ts", normalize(text))
}

const normalize = (text: string): string =>
  `${text
    .replace(/\r\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`
