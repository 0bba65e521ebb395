/**
 * Encryption at rest for stored token records: AES-256-GCM with a keyring, so that keys can be
 * rotated. One implementation for every durable store (Redis, SQLite; `@keyway/store-redis`
 * re-exports it as before). Every ciphertext names the key that made it (`kid`); a keyring decrypts with any of
 * its keys and encrypts with the current one. The additional authenticated data binds a
 * ciphertext to the record's Redis key and revision, so a record cannot be moved to another key
 * or passed off under another revision.
 *
 * Rotating: add the new key, make it `current`, deploy; records are re-encrypted with it as they
 * are refreshed; remove the old key once no record uses it any more (at the latest, when every
 * grant written before the rotation has expired).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Keyring } from "@keyway/core"
 *
 * const keyring = Keyring.make({ current: "2026-01", keys: { "2026-01": Redacted.make(Keyring.generateKey()) } })
 * const envelope = keyring.encrypt("secret", "aad")
 * keyring.decrypt(envelope, "aad") // "secret"
 * ```
 *
 * @since 0.1.0
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Redacted } from "effect"
import { ConfigError } from "./Errors.ts"

/**
 * A key as configured: 32 bytes, base64 (standard or URL-safe) or raw. Prefer `Redacted`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Keyring } from "@keyway/core"
 * const key: Keyring.KeyMaterial = Redacted.make(process.env.TOKEN_KEY ?? "")
 * ```
 *
 * @since 0.1.0
 */
export type KeyMaterial = Redacted.Redacted<string> | string | Uint8Array

/**
 * A keyring's configuration.
 *
 * @example
 * ```ts
 * import type { Keyring } from "@keyway/core"
 * const options: Keyring.Options = { current: "2026-02", keys: { "2026-01": "...base64...", "2026-02": "...base64..." } }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** The id of the key new records are encrypted with; must be in `keys`. */
  readonly current: string
  /** Every key that may have encrypted a stored record, by id. */
  readonly keys: Readonly<Record<string, KeyMaterial>>
}

/**
 * What is stored: the key id, the 12-byte IV, the 16-byte GCM tag and the ciphertext, base64.
 *
 * @example
 * ```ts
 * import type { Keyring } from "@keyway/core"
 * const stored: Keyring.Envelope = { kid: "k1", iv: "...", tag: "...", ct: "..." }
 * ```
 *
 * @since 0.1.0
 */
export interface Envelope {
  readonly kid: string
  readonly iv: string
  readonly tag: string
  readonly ct: string
}

/**
 * A keyring ready to use.
 *
 * @example
 * ```ts
 * import { Keyring } from "@keyway/core"
 * const keyring: Keyring.Keyring = Keyring.make({ current: "k1", keys: { k1: Keyring.generateKey() } })
 * keyring.kids // ["k1"]
 * ```
 *
 * @since 0.1.0
 */
export interface Keyring {
  readonly current: string
  readonly kids: ReadonlyArray<string>
  /** Encrypts with the current key. */
  readonly encrypt: (plaintext: string, aad: string) => Envelope
  /** Decrypts with the key the envelope names; throws when it is unknown or the data was altered. */
  readonly decrypt: (envelope: Envelope, aad: string) => string
}

const toBytes = (kid: string, material: KeyMaterial): Buffer => {
  const raw = Redacted.isRedacted(material) ? Redacted.value(material as Redacted.Redacted<string>) : material
  const bytes =
    typeof raw === "string"
      ? Buffer.from(raw.replace(/-/g, "+").replace(/_/g, "/"), "base64")
      : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  if (bytes.length !== 32) {
    throw new ConfigError({
      path: `encryption.keys.${kid}`,
      message: `an AES-256-GCM key must be 32 bytes (got ${bytes.length})`,
    })
  }
  return Buffer.from(bytes)
}

/**
 * Builds a keyring; throws a `ConfigError` when `current` is missing or a key is not 32 bytes.
 *
 * @example
 * ```ts
 * import { Keyring } from "@keyway/core"
 * const keyring = Keyring.make({ current: "k1", keys: { k1: Keyring.generateKey() } })
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options): Keyring => {
  const keys = new Map<string, Buffer>()
  for (const [kid, material] of Object.entries(options.keys)) keys.set(kid, toBytes(kid, material))
  const currentKey = keys.get(options.current)
  if (currentKey === undefined) {
    throw new ConfigError({
      path: "encryption.current",
      message: `the current key id "${options.current}" is not in the keyring`,
    })
  }
  return {
    current: options.current,
    kids: [...keys.keys()],
    encrypt: (plaintext, aad) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", currentKey, iv)
      cipher.setAAD(Buffer.from(aad, "utf8"))
      const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      return {
        kid: options.current,
        iv: iv.toString("base64"),
        tag: cipher.getAuthTag().toString("base64"),
        ct: ct.toString("base64"),
      }
    },
    decrypt: (envelope, aad) => {
      const key = keys.get(envelope.kid)
      if (key === undefined)
        throw new Error(`the record was encrypted with key "${envelope.kid}", not in the keyring`)
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(envelope.iv, "base64"))
        decipher.setAAD(Buffer.from(aad, "utf8"))
        decipher.setAuthTag(Buffer.from(envelope.tag, "base64"))
        return Buffer.concat([
          decipher.update(Buffer.from(envelope.ct, "base64")),
          decipher.final(),
        ]).toString("utf8")
      } catch {
        throw new Error(
          `the record does not decrypt with key "${envelope.kid}" (altered, or moved between keys)`,
        )
      }
    },
  }
}

/**
 * A fresh random 256-bit key, base64: for configuration and tests.
 *
 * @example
 * ```ts
 * import { Keyring } from "@keyway/core"
 * const key = Keyring.generateKey() // 44 base64 characters
 * ```
 *
 * @since 0.1.0
 */
export const generateKey = (): string => randomBytes(32).toString("base64")
