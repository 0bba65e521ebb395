/**
 * The `rel="next"` target of an RFC 8288 `Link` header.
 *
 * Grammar (RFC 8288 §3): `Link = #link-value`, `link-value = "<" URI-Reference ">" *( OWS ";" OWS
 * link-param )`, `link-param = token BWS [ "=" BWS ( token / quoted-string ) ]`. The `rel`
 * parameter holds one or more space-separated relation types, compared case-insensitively
 * (`rel="next last"` is a next link). Commas and semicolons inside a quoted string or inside
 * `<...>` do not separate anything.
 *
 * @internal
 */

/** Every link of a header value: its target and its parameters (names lower-cased). */
export const parse = (header: string): Array<{ target: string; params: Map<string, string> }> => {
  const links: Array<{ target: string; params: Map<string, string> }> = []
  let i = 0
  const n = header.length
  const skipSpace = () => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++
  }
  while (i < n) {
    skipSpace()
    if (header[i] === ",") {
      i++
      continue
    }
    if (header[i] !== "<") {
      // Not a link-value: skip to the next top-level comma.
      while (i < n && header[i] !== ",") i++
      continue
    }
    const close = header.indexOf(">", i + 1)
    if (close === -1) break
    const target = header.slice(i + 1, close).trim()
    i = close + 1
    const params = new Map<string, string>()
    for (;;) {
      skipSpace()
      if (header[i] !== ";") break
      i++
      skipSpace()
      const nameStart = i
      while (i < n && !"=;, \t".includes(header[i]!)) i++
      const name = header.slice(nameStart, i).toLowerCase()
      skipSpace()
      let value = ""
      if (header[i] === "=") {
        i++
        skipSpace()
        if (header[i] === '"') {
          i++
          while (i < n && header[i] !== '"') {
            if (header[i] === "\\" && i + 1 < n) i++
            value += header[i]
            i++
          }
          i++
        } else {
          const start = i
          while (i < n && !";, \t".includes(header[i]!)) i++
          value = header.slice(start, i)
        }
      }
      // RFC 8288 §3.3: only the first occurrence of rel counts.
      if (name !== "" && !params.has(name)) params.set(name, value)
    }
    links.push({ target, params })
    skipSpace()
    while (i < n && header[i] !== ",") i++
  }
  return links
}

/** The target of the first link whose relation types include `rel` (case-insensitive). */
export const find = (header: string | null | undefined, rel: string): string | undefined => {
  if (!header) return undefined
  const wanted = rel.toLowerCase()
  for (const link of parse(header)) {
    const rels = (link.params.get("rel") ?? "").toLowerCase().split(/[ \t]+/)
    if (rels.includes(wanted)) return link.target
  }
  return undefined
}
