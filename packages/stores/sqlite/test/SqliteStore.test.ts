// What is SQLite's own; the TokenStore contract (records, refresh lock, processes) is checked by
// the conformance suite in Conformance.test.ts.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Errors, TokenStore } from "@keyway/core"
import { Effect, Exit, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SqliteStore } from "../src/index.ts"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = () => Path.join(dir, `tokens-${++n}.db`)

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))

const key = TokenStore.key({ provider: "workable", connection: "acme", scopes: ["r_jobs", "r_candidates"] })

describe("SqliteStore: file", () => {
  it("creates the file 0600 in WAL mode", async () => {
    const path = Path.join(dir, "nested", "deeper", "tokens.db")
    await run(SqliteStore.make({ path }))
    expect(Fs.statSync(path).mode & 0o777).toBe(0o600)
    const db = new DatabaseSync(path)
    expect(db.prepare("PRAGMA journal_mode").get()?.journal_mode).toBe("wal")
    db.close()
  })

  it("fails with TokenStoreUnavailable when the file cannot be opened", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(SqliteStore.make({ path: dir })))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    expect((error as { error?: unknown })?.error).toBeInstanceOf(Errors.TokenStoreUnavailable)
  })

  it("reports an unreadable record as TokenStoreUnavailable without its content", async () => {
    const path = freshPath()
    await run(SqliteStore.make({ path }))
    const db = new DatabaseSync(path)
    db.prepare("INSERT INTO keyway_tokens (key, revision, value, updated_at) VALUES (?, 'r', ?, 0)").run(
      TokenStore.keyString(key),
      "{not json secret-value",
    )
    db.close()
    const exit = await Effect.runPromiseExit(
      Effect.scoped(Effect.flatMap(SqliteStore.make({ path }), (s) => s.get(key))),
    )
    const error = Exit.isFailure(exit)
      ? (exit.cause.reasons[0] as { error?: Errors.TokenStoreUnavailable }).error
      : undefined
    expect(error?._tag).toBe("TokenStoreUnavailable")
    expect(error?.message).not.toContain("secret-value")
  })
})
