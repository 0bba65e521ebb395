/**
 * `scripts/needs.sh`, the "install what the tests need" step of `bash scripts/run.sh test`, on a
 * machine that lacks what it needs: PATH holds only a folder of this test's own, with fakes of
 * `id`, `sudo` and `apt-get` (which record their calls and "install" a package by adding a
 * program to that folder), so that the step's logic runs whatever this machine has installed.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterEach, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "..", "..", "..")
const needs = join(repo, "scripts", "needs.sh")
const bash = existsSync("/bin/bash") ? "/bin/bash" : "/usr/bin/bash"
const chmod = existsSync("/bin/chmod") ? "/bin/chmod" : "/usr/bin/chmod"

interface Machine {
  /** The user id `id -u` prints. */
  readonly uid: number
  readonly sudo?: "works" | "asks for a password" | "absent"
  readonly aptGet?: "works" | "fails" | "absent"
  /** Programs already installed. */
  readonly installed?: ReadonlyArray<string>
}

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const script = (path: string, body: string) => {
  writeFileSync(path, `#!${bash}\n${body}\n`)
  chmodSync(path, 0o755)
}

/** Runs `keyway_install_needs` on the fake machine; returns its exit code, stderr and the calls. */
// The row these cases are written for; the real table (a row a program) is checked below.
const redisRow = "redis-server|redis-server|the Redis token store's tests (@keyway/store-redis)"

const runOn = (machine: Machine, rows: ReadonlyArray<string> = [redisRow]) => {
  const bin = mkdtempSync(join(tmpdir(), "keyway-needs-"))
  dirs.push(bin)
  const log = join(bin, "calls.log")
  writeFileSync(log, "")
  // `env` is the one real program the step runs (to pass DEBIAN_FRONTEND through sudo).
  symlinkSync(existsSync("/usr/bin/env") ? "/usr/bin/env" : "/bin/env", join(bin, "env"))
  script(join(bin, "id"), `[ "$1" = "-u" ] && echo ${machine.uid}`)
  for (const program of [...(machine.installed ?? []), "true"]) script(join(bin, program), "exit 0")
  if ((machine.sudo ?? "absent") !== "absent")
    script(
      join(bin, "sudo"),
      machine.sudo === "works"
        ? `echo "sudo $*" >> ${log}\n[ "$1" = "-n" ] && shift\nexec "$@"`
        : `echo "sudo $*" >> ${log}\necho "sudo: a password is required" >&2\nexit 1`,
    )
  if ((machine.aptGet ?? "works") !== "absent")
    script(
      join(bin, "apt-get"),
      `echo "apt-get $* DEBIAN_FRONTEND=\${DEBIAN_FRONTEND:-}" >> ${log}
${machine.aptGet === "fails" ? 'echo "E: Unable to locate package" >&2; exit 100' : ""}
if [ "$1" = "install" ]; then
  for a in "$@"; do case "$a" in -*|install) ;; *) printf '#!${bash}\\nexit 0\\n' > "${bin}/$a"; ${chmod} +x "${bin}/$a" ;; esac; done
fi
exit 0`,
    )
  const extra = rows.length ? `KEYWAY_NEEDS=(${rows.map((r) => `"${r}"`).join(" ")})\n` : ""
  const r = spawnSync(bash, ["-c", `source "$1"\n${extra}keyway_install_needs`, "needs", needs], {
    env: { PATH: bin, HOME: bin },
    encoding: "utf8",
  })
  return {
    code: r.status,
    err: r.stderr,
    calls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean),
    installed: (p: string) => existsSync(join(bin, p)),
  }
}

describe("scripts/needs.sh: install what the tests need", () => {
  it("does nothing when redis-server is there", () => {
    const r = runOn({ uid: 1000, installed: ["redis-server"] })
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([])
    expect(r.err).toBe("")
  })

  it("as root: apt-get update, then apt-get install redis-server, non-interactively", () => {
    const r = runOn({ uid: 0 })
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      "apt-get update -qq DEBIAN_FRONTEND=",
      "apt-get install -y -qq --no-install-recommends redis-server DEBIAN_FRONTEND=noninteractive",
    ])
    expect(r.installed("redis-server")).toBe(true)
    expect(r.err).toBe(
      "setup: installing redis-server with apt-get (redis-server for the Redis token store's tests (@keyway/store-redis))\n",
    )
  })

  it("as a user with sudo: through sudo -n", () => {
    const r = runOn({ uid: 1000, sudo: "works" })
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      "sudo -n true",
      "sudo -n apt-get update -qq",
      "apt-get update -qq DEBIAN_FRONTEND=",
      "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server",
      "apt-get install -y -qq --no-install-recommends redis-server DEBIAN_FRONTEND=noninteractive",
    ])
    expect(r.installed("redis-server")).toBe(true)
  })

  it("as a user without sudo (or whose sudo asks a password): says what to run, installs nothing", () => {
    for (const sudo of ["absent", "asks for a password"] as const) {
      const r = runOn({ uid: 1000, sudo })
      expect(r.code).toBe(1)
      expect(r.calls.filter((c) => c.startsWith("apt-get"))).toEqual([])
      expect(r.err).toBe(
        "setup: missing redis-server for the Redis token store's tests (@keyway/store-redis); not root and no usable sudo: run as root, or: sudo apt-get install -y redis-server\n",
      )
    }
  })

  it("when apt-get fails, or there is none: one clear line, exit 1", () => {
    const failing = runOn({ uid: 0, aptGet: "fails" })
    expect(failing.code).toBe(1)
    expect(failing.err).toContain(
      "setup: apt-get could not install redis-server: run apt-get install -y redis-server and look at its output\n",
    )
    const none = runOn({ uid: 0, aptGet: "absent" })
    expect(none.code).toBe(1)
    expect(none.err).toBe(
      "setup: missing redis-server for the Redis token store's tests (@keyway/store-redis); no apt-get on this machine: install redis-server yourself\n",
    )
  })

  it("is a table: another row (a browser for browser tests, say) installs with the same call", () => {
    const r = runOn({ uid: 0, installed: ["redis-server"] }, [
      "redis-server|redis-server|the Redis store's tests",
      "chromium|chromium|the browser tests",
    ])
    expect(r.code).toBe(0)
    expect(r.calls[1]).toBe(
      "apt-get install -y -qq --no-install-recommends chromium DEBIAN_FRONTEND=noninteractive",
    )
    expect(r.installed("chromium")).toBe(true)
  })

  it("the real table installs everything the suites need from the machine", () => {
    const r = runOn({ uid: 0 }, [])
    expect(r.code).toBe(0)
    expect(r.calls[1]).toBe(
      "apt-get install -y -qq --no-install-recommends redis-server chromium openssl DEBIAN_FRONTEND=noninteractive",
    )
  })
})
