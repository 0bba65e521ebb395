/**
 * How the SQLite store writes a record's value: its JSON, or with a keyring `gcm1:` followed by
 * the AES-256-GCM envelope, bound to the record's key and revision (a sealed value only opens
 * under its own). Plaintext records written before encryption was turned on are still read.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Keyring } from "@keyway/core"
 * import { SqliteStore } from "@keyway/store-sqlite"
 * const layer = SqliteStore.layer({ path: "./.keyway/tokens.db", encryption: { current: "k1", keys: { k1: Redacted.make(Keyring.generateKey()) } } })
 * ```
 *
 * @since 0.1.0
 */
import { type Keyring, TokenStore } from "@keyway/core"

// An encrypted value: this prefix, then the keyring's JSON envelope. A plaintext record is JSON.
const SEALED = "gcm1:"

/**
 * Encodes and decodes the values of one store.
 *
 * @example
 * ```ts
 * const value: string = codec.encode(id, token)
 * ```
 */
export interface Codec {
  readonly encode: (id: string, token: TokenStore.StoredToken) => string
  /** Throws (a message without the record) when the value cannot be read. */
  readonly decode: (id: string, revision: string, value: string) => TokenStore.StoredToken
}

/**
 * The codec of a store, encrypting when it has a keyring.
 *
 * @example
 * ```ts
 * const codec = makeCodec(keyring)
 * ```
 */
export const makeCodec = (keyring: Keyring.Keyring | undefined): Codec => {
  const aadOf = (id: string, revision: string) => `keyway:v1:sqlite:${id}:${revision}`

  const encode = (id: string, token: TokenStore.StoredToken): string => {
    const plain = TokenStore.serialize(token)
    return keyring === undefined
      ? plain
      : `${SEALED}${JSON.stringify(keyring.encrypt(plain, aadOf(id, token.revision)))}`
  }

  const decode = (id: string, revision: string, value: string): TokenStore.StoredToken => {
    let plain = value
    if (value.startsWith(SEALED)) {
      if (keyring === undefined)
        throw new Error("the record is encrypted and no encryption key is configured")
      let envelope: Keyring.Envelope
      try {
        envelope = JSON.parse(value.slice(SEALED.length)) as Keyring.Envelope
      } catch {
        throw new Error("the stored record is unreadable")
      }
      plain = keyring.decrypt(envelope, aadOf(id, revision))
    }
    try {
      return TokenStore.deserialize(plain)
    } catch {
      throw new Error("the stored record is unreadable")
    }
  }
  return { encode, decode }
}
