// What is SQLite's own; the TokenStore contract (records, refresh lock, processes) is checked by
// the conformance suite in Conformance.test.ts.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Errors, Keyring, TokenStore } from "@keyway/core"
import { Effect, Exit, Redacted, type Scope } from "effect"
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

describe("SqliteStore: tokens at rest (issue 12)", () => {
  const mode = (file: string) => Fs.statSync(file).mode & 0o777
  const record = (accessToken: string): TokenStore.StoredToken => ({
    accessToken: Redacted.make(accessToken),
    refreshToken: Redacted.make(`${accessToken}-refresh`),
    obtainedAt: 0,
    revision: TokenStore.newRevision(),
  })

  it("creates its folder 0700 and the database, -wal and -shm 0600", async () => {
    const folder = Path.join(dir, "private", "keyway")
    const path = Path.join(folder, "tokens.db")
    await run(
      Effect.gen(function* () {
        const store = yield* SqliteStore.make({ path })
        yield* store.compareAndSet(key, undefined, record("a1"))
        expect(mode(path)).toBe(0o600)
        expect(mode(`${path}-wal`)).toBe(0o600)
        expect(mode(`${path}-shm`)).toBe(0o600)
      }),
    )
    expect(mode(folder)).toBe(0o700)
  })

  it("fixes the mode of an existing database and its journals", async () => {
    const path = freshPath()
    const db = new DatabaseSync(path)
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)")
    for (const file of [path, `${path}-wal`, `${path}-shm`]) Fs.chmodSync(file, 0o644)
    await run(SqliteStore.make({ path }))
    db.close()
    for (const file of [path, `${path}-wal`, `${path}-shm`].filter((f) => Fs.existsSync(f))) {
      expect(mode(file)).toBe(0o600)
    }
    expect(mode(path)).toBe(0o600)
  })

  it("encrypts records with the shared AES-256-GCM keyring, bound to their key", async () => {
    const path = freshPath()
    const encryption = { current: "k1", keys: { k1: Redacted.make(Keyring.generateKey()) } }
    const other = TokenStore.key({ provider: "workable", connection: "mallory", scopes: [] })
    await run(
      Effect.gen(function* () {
        const store = yield* SqliteStore.make({ path, encryption })
        yield* store.compareAndSet(key, undefined, record("s3cret-access"))
        const back = yield* store.get(key)
        expect(back?.accessToken && Redacted.value(back.accessToken)).toBe("s3cret-access")
      }),
    )
    const raw =
      Fs.readFileSync(path).toString("latin1") +
      (Fs.existsSync(`${path}-wal`) ? Fs.readFileSync(`${path}-wal`).toString("latin1") : "")
    expect(raw).not.toContain("s3cret-access")
    const db = new DatabaseSync(path)
    const row = db.prepare("SELECT revision, value FROM keyway_tokens").get()!
    expect(String(row.value).startsWith("gcm1:")).toBe(true)
    // Moved to another connection's key, the ciphertext no longer opens.
    db.prepare("INSERT INTO keyway_tokens (key, revision, value, updated_at) VALUES (?, ?, ?, 0)").run(
      TokenStore.keyString(other),
      row.revision as string,
      row.value as string,
    )
    db.close()
    const moved = await Effect.runPromiseExit(
      Effect.scoped(Effect.flatMap(SqliteStore.make({ path, encryption }), (store) => store.get(other))),
    )
    expect(Exit.isFailure(moved)).toBe(true)
    // Without the key, an encrypted record is a TokenStoreUnavailable, never a plaintext guess.
    const keyless = await Effect.runPromiseExit(
      Effect.scoped(Effect.flatMap(SqliteStore.make({ path }), (store) => store.get(key))),
    )
    expect(String(Exit.isFailure(keyless) ? keyless.cause : "")).toContain("no encryption key is configured")
  })

  it("reads plaintext records written before encryption was turned on, and encrypts them on write", async () => {
    const path = freshPath()
    const encryption = { current: "k1", keys: { k1: Keyring.generateKey() } }
    await run(
      Effect.flatMap(SqliteStore.make({ path }), (store) =>
        store.compareAndSet(key, undefined, record("old")),
      ),
    )
    await run(
      Effect.gen(function* () {
        const store = yield* SqliteStore.make({ path, encryption })
        const old = yield* store.get(key)
        expect(old?.accessToken && Redacted.value(old.accessToken)).toBe("old")
        yield* store.compareAndSet(key, old, record("new"))
      }),
    )
    const db = new DatabaseSync(path)
    expect(String(db.prepare("SELECT value FROM keyway_tokens").get()!.value).startsWith("gcm1:")).toBe(true)
    db.close()
  })
})
