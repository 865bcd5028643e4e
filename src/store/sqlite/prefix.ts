// Key ranges for prefix scans. SQLite compares TEXT with the BINARY collation (UTF-8 bytes), and
// UTF-8 byte order is code-point order, so `name >= prefix AND name < prefixEnd(prefix)` selects
// exactly the names that start with `prefix` and can use an index (LIKE could not: it is
// case-insensitive and treats `%` and `_` as wildcards).

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when there
 * is none (the empty prefix, or one made only of U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const chars = Array.from(prefix)
  while (chars.length > 0) {
    const cp = chars.pop()!.codePointAt(0)!
    if (cp < 0x10ffff) {
      // Skip the surrogate block: those code points are not characters and have no UTF-8 form.
      const next = cp === 0xd7ff ? 0xe000 : cp + 1
      return chars.join('') + String.fromCodePoint(next)
    }
  }
  return undefined
}

export interface KeyRange {
  /** SQL condition on the key column, with named parameters. */
  where: string
  params: Record<string, string>
}

/** The condition for "column starts with prefix and is strictly after startAfter (if given)". */
export function keyRange(prefix: string, startAfter?: string, column = 'name'): KeyRange {
  const parts: string[] = []
  const params: Record<string, string> = {}
  if (prefix !== '') {
    parts.push(`${column} >= @prefix`)
    params.prefix = prefix
    const end = prefixEnd(prefix)
    if (end !== undefined) {
      parts.push(`${column} < @prefixEnd`)
      params.prefixEnd = end
    }
  }
  if (startAfter !== undefined && startAfter !== '') {
    parts.push(`${column} > @startAfter`)
    params.startAfter = startAfter
  }
  return { where: parts.length > 0 ? parts.join(' AND ') : '1', params }
}
