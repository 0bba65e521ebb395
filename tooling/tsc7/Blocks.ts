/**
 * Code blocks that must compile: the one reader of fenced code blocks (README text, a JSDoc
 * `@example`), the one writer of blocks as modules beside a tsconfig, and the one tsc7 run that
 * checks them, with its diagnostics mapped back to the block they came from.
 *
 * Used by `generators/codegen/test/Readme.test.ts` (generated READMEs) and by
 * `tooling/examples` (every `@example` of the public packages).
 *
 * @example
 * ```ts
 * import { codeBlocks } from "@keyway/tsc7/Blocks"
 * const blocks = codeBlocks("text\n```ts\nconst a = 1\n```\n")
 * blocks[0]?.line // 3: the block's first line of code
 * ```
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The languages whose blocks are type-checked; any other fence (```text, ```sh) is prose. */
export const checkedLanguages: ReadonlyArray<string> = ["ts", "typescript"]

/**
 * A fenced code block: its language (the fence's info string, `""` when none), its code and the
 * 1-based line of its first line of code in the text it was read from.
 *
 * @example
 * ```ts
 * import type { CodeBlock } from "@keyway/tsc7/Blocks"
 * const block: CodeBlock = { lang: "ts", code: "const a = 1\n", line: 2 }
 * ```
 */
export interface CodeBlock {
  readonly lang: string
  readonly code: string
  readonly line: number
}

/**
 * Every fenced block of a Markdown text (```` ``` ```` fences at the start of a line, after
 * optional indentation), in order; an unclosed fence runs to the end of the text.
 *
 * @example
 * ```ts
 * import { codeBlocks } from "@keyway/tsc7/Blocks"
 * codeBlocks("```sh\nls\n```\n```ts\nconst a = 1\n```").map((b) => b.lang) // ["sh", "ts"]
 * ```
 */
export const codeBlocks = (markdown: string): Array<CodeBlock> => {
  const lines = markdown.split("\n")
  const blocks: Array<CodeBlock> = []
  let open: { lang: string; start: number; body: Array<string> } | undefined
  for (const [i, line] of lines.entries()) {
    const fence = /^\s*```(.*)$/.exec(line)
    if (open === undefined) {
      if (fence) open = { lang: fence[1]!.trim().split(/\s+/)[0] ?? "", start: i + 2, body: [] }
    } else if (fence && fence[1]!.trim() === "") {
      blocks.push({ lang: open.lang, code: open.body.map((l) => `${l}\n`).join(""), line: open.start })
      open = undefined
    } else open.body.push(line)
  }
  if (open) blocks.push({ lang: open.lang, code: open.body.map((l) => `${l}\n`).join(""), line: open.start })
  return blocks
}

/** The `ts` blocks of a Markdown text. */
export const tsBlocks = (markdown: string): Array<CodeBlock> =>
  codeBlocks(markdown).filter((b) => checkedLanguages.includes(b.lang))

const tsc7 = join(dirname(fileURLToPath(import.meta.url)), "tsc7.mjs")

/**
 * Type-checks a tsconfig with TypeScript 7 (one process); `output` is what tsc7 printed.
 *
 * @example
 * ```ts
 * import { typecheck } from "@keyway/tsc7/Blocks"
 * const { code, output } = typecheck("tsconfig.json")
 * ```
 */
export const typecheck = (tsconfig: string): { readonly code: number | null; readonly output: string } => {
  const r = spawnSync(process.execPath, [tsc7, "-p", tsconfig, "--noEmit", "--pretty", "false"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

/**
 * One diagnostic of tsc7's output: the file as tsc printed it (relative to the working
 * directory), its 1-based line and column, and `TSnnnn: message` (continuation lines appended).
 *
 * @example
 * ```ts
 * import type { Diagnostic } from "@keyway/tsc7/Blocks"
 * const d: Diagnostic = { file: "block-0.ts", line: 1, column: 7, message: "TS2322: ..." }
 * ```
 */
export interface Diagnostic {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly message: string
}

/**
 * Reads tsc's `file(line,col): error TSnnnn: message` lines (`--pretty false`).
 *
 * @example
 * ```ts
 * import { diagnostics } from "@keyway/tsc7/Blocks"
 * diagnostics("a.ts(2,5): error TS2304: Cannot find name 'x'.")[0]?.line // 2
 * ```
 */
export const diagnostics = (output: string): Array<Diagnostic> => {
  const out: Array<{ file: string; line: number; column: number; message: string }> = []
  for (const line of output.split("\n")) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line)
    if (m) out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), message: m[4]! })
    else if (out.length && /^\s+\S/.test(line)) out[out.length - 1]!.message += ` ${line.trim()}`
  }
  return out
}

/**
 * Writes modules (name → code) into a fresh `dir` beside a `tsconfig.json` (the given
 * configuration, `include` set to the modules), type-checks them in one tsc7 run and returns
 * each diagnostic with the module it is in, plus tsc's raw output.
 *
 * @example
 * ```ts
 * import { checkModules } from "@keyway/tsc7/Blocks"
 * const r = checkModules("test/fixtures/out/blocks", { "block-0.ts": "export const a: number = 1\n" }, {
 *   extends: "../../../tsconfig.json",
 * })
 * r.diagnostics.length // 0
 * ```
 */
export const checkModules = (
  dir: string,
  modules: Readonly<Record<string, string>>,
  tsconfig: Readonly<Record<string, unknown>>,
) => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [name, code] of Object.entries(modules)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), code)
  }
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...tsconfig, include: Object.keys(modules) }))
  const r = typecheck(join(dir, "tsconfig.json"))
  const found = diagnostics(r.output).map((d) => {
    const module = Object.keys(modules).find((m) => resolve(d.file) === resolve(dir, m))
    return { ...d, module }
  })
  return { ...r, diagnostics: found }
}
