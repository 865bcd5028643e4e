// Go's text/tabwriter semantics the plugin's tables rely on (the expected outputs are what Go's
// tabwriter.NewWriter(out, 0, 0, 2, ' ', 0) prints for the same input).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cellWidth, TabWriter } from './tabwriter.js'

const tw = (text: string) => {
  const w = new TabWriter(0, 2)
  w.write(text)
  return w.flush()
}

test('cells are padded to the widest of their column plus 2; the last cell of a line is not padded', () => {
  assert.equal(tw('a\tbbb\tc\naaaa\tb\tc\n'), 'a     bbb  c\naaaa  b    c\n')
})

test('a column block ends at a line without that column (Go aligns each block on its own)', () => {
  assert.equal(tw('a\tb\tc\naa\tb\nxxxxx\tb\tc\n'), 'a      b  c\naa     b\nxxxxx  b  c\n')
  assert.equal(tw('aaaa\tb\nno tabs here\na\tb\n'), 'aaaa  b\nno tabs here\na  b\n')
})

test('empty cells are padded too (a tree row of blanks), trailing spaces kept', () => {
  assert.equal(tw('NAME\tKIND\tAGE\n# revision:1\t\t\n'), 'NAME          KIND  AGE\n# revision:1        \n')
})

test('widths count runes, not UTF-16 units or bytes, and ANSI colour codes have none', () => {
  assert.equal(cellWidth('⟳ demo'), 6)
  assert.equal(cellWidth('\x1b[32m✔\x1b[0m Healthy'), 9)
  assert.equal(tw('\x1b[32m✔\x1b[0m x\ty\n✔ xyz\ty\n'), '\x1b[32m✔\x1b[0m x    y\n✔ xyz  y\n')
})

test('text written in pieces is formatted as one, and an unterminated last line keeps no newline', () => {
  const w = new TabWriter(0, 2)
  w.write('a\t')
  w.write('b\ncc\td')
  assert.equal(w.flush(), 'a   b\ncc  d')
})
