/**
 * A scripted user agent for the consent step of the authorization code flow: it opens the
 * authorize URL with plain HTTP (the sandboxes consent at once for their seeded user), and
 * reads or follows the redirect back to the app.
 *
 * @example
 * ```ts
 * import * as UserAgent from "@keyway/demo/UserAgent"
 * // const callback = await UserAgent.authorize(start.url)   // the redirect URI with code & state
 * // const landing = await UserAgent.visit(callback)         // what the app's redirect handler answered
 * ```
 *
 * @since 0.1.0
 */

/**
 * What a page answered.
 *
 * @example
 * ```ts
 * import * as UserAgent from "@keyway/demo/UserAgent"
 * // const { status, location } = await UserAgent.visit(authorizeUrl)
 * ```
 *
 * @since 0.1.0
 */
export interface Visit {
  readonly status: number
  readonly location: string | undefined
  readonly body: string
}

/**
 * GETs a URL without following redirects.
 *
 * @example
 * ```ts
 * import * as UserAgent from "@keyway/demo/UserAgent"
 * // (await UserAgent.visit("http://127.0.0.1:8080/callback?code=c&state=s")).status
 * ```
 *
 * @since 0.1.0
 */
export const visit = async (url: string | URL): Promise<Visit> => {
  const response = await fetch(url, { redirect: "manual", headers: { accept: "text/html,*/*" } })
  const location = response.headers.get("location")
  return {
    status: response.status,
    location: location === null ? undefined : new URL(location, url).toString(),
    body: await response.text(),
  }
}

/**
 * Opens the authorize URL and returns where the provider redirects the user (the app's redirect
 * URI with `code` and `state`, or `error`). Fails when the provider does not redirect.
 *
 * @example
 * ```ts
 * import * as UserAgent from "@keyway/demo/UserAgent"
 * // const callback = await UserAgent.authorize(start.url)
 * // callback.searchParams.get("code")
 * ```
 *
 * @since 0.1.0
 */
export const authorize = async (authorizeUrl: string | URL): Promise<URL> => {
  const page = await visit(authorizeUrl)
  if (page.status < 300 || page.status > 399 || page.location === undefined) {
    throw new Error(
      `the authorize endpoint answered ${page.status} without a redirect: ${page.body.slice(0, 200)}`,
    )
  }
  return new URL(page.location)
}

/**
 * The whole consent as a browser does it: open the authorize URL, then follow its redirect to
 * the app's redirect URI (e.g. `keyway connect`'s loopback listener) and return that answer.
 *
 * @example
 * ```ts
 * import * as UserAgent from "@keyway/demo/UserAgent"
 * // const landing = await UserAgent.consent(printedAuthorizeUrl)
 * // landing.status // 200 once the app stored the grant
 * ```
 *
 * @since 0.1.0
 */
export const consent = async (authorizeUrl: string | URL): Promise<Visit> =>
  visit(await authorize(authorizeUrl))
