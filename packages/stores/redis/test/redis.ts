// A private redis-server for one test file (started before its tests, removed after them), and a
// raw client on it to look at what the store wrote.
import { RedisServer } from "@keyway/store-testkit"
import { Redis } from "ioredis"
import { afterAll, beforeAll } from "vitest"

export interface TestRedis {
  readonly url: string
  readonly raw: Redis
}

/** Registers the hooks; the fields are there once the file's tests run. */
export const useRedis = (): TestRedis => {
  let server: RedisServer.RedisServer | undefined
  let raw: Redis | undefined
  beforeAll(async () => {
    server = await RedisServer.start()
    raw = new Redis(server.url)
  })
  afterAll(async () => {
    raw?.disconnect()
    await server?.dispose()
  })
  return {
    get url() {
      return server!.url
    },
    get raw() {
      return raw!
    },
  }
}
