/**
 * Throwaway certificates for mutual-TLS tests (`tls_client_auth`), made with the machine's
 * `openssl` in a temporary directory on every run: a CA, a server certificate for 127.0.0.1 and a
 * client certificate whose subject CN is the client id. Nothing is committed; the keys live only
 * in the test process.
 *
 * @example
 * ```ts
 * import { Certificates } from "@keyway/auth-testkit"
 * const pki = Certificates.make({ clientId: "kit-client" })
 * // https.createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, requestCert: true }, ...)
 * ```
 *
 * @since 0.2.0
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A key and its certificate, PEM.
 *
 * @example
 * ```ts
 * import { Certificates } from "@keyway/auth-testkit"
 * const { server }: { server: Certificates.KeyPair } = Certificates.make({ clientId: "svc" })
 * server.cert.startsWith("-----BEGIN CERTIFICATE-----") // true
 * ```
 *
 * @since 0.2.0
 */
export interface KeyPair {
  readonly key: string
  readonly cert: string
}

/**
 * The certificates of one test.
 *
 * @example
 * ```ts
 * import { Certificates } from "@keyway/auth-testkit"
 * const pki: Certificates.Pki = Certificates.make({ clientId: "svc" })
 * const tls = { key: pki.server.key, cert: pki.server.cert, ca: pki.ca } // LoopbackServer.start's `tls`
 * ```
 *
 * @since 0.2.0
 */
export interface Pki {
  /** The CA certificate (trust it on both sides). */
  readonly ca: string
  /** For the server, valid for 127.0.0.1 and localhost. */
  readonly server: KeyPair
  /** For the client: subject `CN=<clientId>`. */
  readonly client: KeyPair
  /** The client certificate's subject DN as RFC 4514 text, e.g. `CN=kit-client`. */
  readonly clientSubject: string
}

/**
 * Makes a CA, a server and a client certificate (synchronously, with `openssl`).
 *
 * @example
 * ```ts
 * import { Certificates } from "@keyway/auth-testkit"
 * const { client, clientSubject } = Certificates.make({ clientId: "svc" })
 * clientSubject // "CN=svc"
 * ```
 *
 * @since 0.2.0
 */
export const make = (options: { readonly clientId: string }): Pki => {
  const dir = mkdtempSync(join(tmpdir(), "keyway-pki-"))
  const path = (name: string) => join(dir, name)
  const openssl = (...args: Array<string>) => execFileSync("openssl", args, { stdio: "pipe" })
  try {
    const key = (name: string) =>
      openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name))
    key("ca.key")
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      path("ca.key"),
      "-subj",
      "/CN=keyway test CA",
      "-days",
      "2",
      "-out",
      path("ca.pem"),
    )
    const issue = (name: string, subject: string, extensions: string) => {
      key(`${name}.key`)
      openssl("req", "-new", "-key", path(`${name}.key`), "-subj", subject, "-out", path(`${name}.csr`))
      writeFileSync(path(`${name}.ext`), extensions)
      openssl(
        "x509",
        "-req",
        "-in",
        path(`${name}.csr`),
        "-CA",
        path("ca.pem"),
        "-CAkey",
        path("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        path(`${name}.ext`),
        "-out",
        path(`${name}.pem`),
      )
      return {
        key: readFileSync(path(`${name}.key`), "utf8"),
        cert: readFileSync(path(`${name}.pem`), "utf8"),
      }
    }
    const server = issue(
      "server",
      "/CN=127.0.0.1",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    const client = issue("client", `/CN=${options.clientId}`, "extendedKeyUsage=clientAuth\n")
    return {
      ca: readFileSync(path("ca.pem"), "utf8"),
      server,
      client,
      clientSubject: `CN=${options.clientId}`,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
