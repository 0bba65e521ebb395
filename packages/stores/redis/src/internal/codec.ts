/**
 * How a record is written in its Redis hash: `fmt` (`json`, or `aes-256-gcm` with a keyring) and
 * `val`. An encrypted record's additional data binds it to its Redis key and revision, so a
 * value copied under another key or revision does not decrypt. Reading checks that the record's
 * revision is the hash's `rev`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Keyring, RedisStore } from "@keyway/store-redis"
 * const layer = RedisStore.layer({ encryption: { current: "k1", keys: { k1: Redacted.make(Keyring.generateKey()) } } })
 * ```
 *
 * @since 0.1.0
 */
import { type Keyring, TokenStore } from "@keyway/core"

const FORMAT_JSON = "json"
const FORMAT_GCM = "aes-256-gcm"

/**
 * Encodes and decodes the records of one store.
 *
 * @example
 * ```ts
 * const decoded: TokenStore.StoredToken = codec.decode(rkey, rev, fmt, val)
 * ```
 */
export interface Codec {
  readonly encode: (rkey: string, token: TokenStore.StoredToken) => { fmt: string; val: string }
  /** Throws (a message without the record) when the value cannot be read. */
  readonly decode: (rkey: string, rev: string, fmt: string | null, val: string) => TokenStore.StoredToken
}

/**
 * The codec of a store, encrypting when it has a keyring.
 *
 * @example
 * ```ts
 * const codec = makeCodec(Keyring.make({ current: "k1", keys: { k1: Redacted.make(Keyring.generateKey()) } }))
 * ```
 */
export const makeCodec = (keyring: Keyring.Keyring | undefined): Codec => {
  const aadOf = (rkey: string, revision: string) => `keyway:v1:${rkey}:${revision}`

  const encode = (rkey: string, token: TokenStore.StoredToken): { fmt: string; val: string } => {
    const plain = TokenStore.serialize(token)
    if (keyring === undefined) return { fmt: FORMAT_JSON, val: plain }
    return { fmt: FORMAT_GCM, val: JSON.stringify(keyring.encrypt(plain, aadOf(rkey, token.revision))) }
  }

  const decode = (rkey: string, rev: string, fmt: string | null, val: string): TokenStore.StoredToken => {
    let plain = val
    if (fmt === FORMAT_GCM) {
      if (keyring === undefined)
        throw new Error("the record is encrypted and no encryption key is configured")
      plain = keyring.decrypt(JSON.parse(val) as Keyring.Envelope, aadOf(rkey, rev))
    } else if (fmt !== FORMAT_JSON) {
      throw new Error("the record has an unknown format")
    }
    let record: TokenStore.StoredToken
    try {
      record = TokenStore.deserialize(plain)
    } catch {
      throw new Error("the stored record is unreadable")
    }
    if (record.revision !== rev) throw new Error("the stored record does not match its revision")
    return record
  }

  return { encode, decode }
}
