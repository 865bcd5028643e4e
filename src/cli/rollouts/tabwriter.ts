// Go's text/tabwriter (as juju/ansiterm's fork uses it: ANSI colour sequences have no width), so
// tables line up exactly as Argo's plugin prints them. Cells are tab-terminated; the text after a
// line's last tab is its last cell, printed as it is. A column block is a run of consecutive lines
// that all have a tab-terminated cell in that column; each block is as wide as its widest cell plus
// the padding. Only the flags Argo uses: minwidth 0, padding 2, pad with spaces, align left.

interface Cell {
  text: string
  width: number
}

/** Width as Go counts it: runes, without ANSI escape sequences. */
export function cellWidth(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length
}

export class TabWriter {
  private lines: Cell[][] = []
  private out = ''
  private pending = ''

  constructor(
    private readonly minwidth = 0,
    private readonly padding = 2,
  ) {}

  write(text: string): void {
    this.pending += text
    let nl: number
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      const cells = line.split('\t').map((t) => ({ text: t, width: cellWidth(t) }))
      this.lines.push(cells)
      // A line of one cell does not shape the lines after it: Go flushes there.
      if (cells.length === 1) this.flushLines(true)
    }
  }

  /** Formats everything written so far and returns the output (Go's Flush). */
  flush(): string {
    if (this.pending !== '') {
      // An unterminated last line: formatted with the others, written without a newline.
      this.lines.push(this.pending.split('\t').map((t) => ({ text: t, width: cellWidth(t) })))
      this.pending = ''
      this.flushLines(false)
    } else {
      this.flushLines(true)
    }
    const out = this.out
    this.out = ''
    return out
  }

  private flushLines(lastHasNewline: boolean): void {
    if (this.lines.length === 0) return
    const widths: number[] = []
    this.format(widths, 0, this.lines.length, lastHasNewline)
    this.lines = []
  }

  private format(widths: number[], line0: number, line1: number, lastHasNewline: boolean): void {
    const column = widths.length
    for (let t = line0; t < line1; t++) {
      if (column >= this.lines[t].length - 1) continue
      this.writeLines(widths, line0, t, lastHasNewline)
      line0 = t
      let width = this.minwidth
      for (; t < line1; t++) {
        const line = this.lines[t]
        if (column >= line.length - 1) break
        const w = line[column].width + this.padding
        if (w > width) width = w
      }
      widths.push(width)
      this.format(widths, line0, t, lastHasNewline)
      widths.pop()
      line0 = t
    }
    this.writeLines(widths, line0, line1, lastHasNewline)
  }

  private writeLines(widths: number[], line0: number, line1: number, lastHasNewline: boolean): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]
      line.forEach((c, j) => {
        this.out += c.text
        if (j < widths.length) this.out += ' '.repeat(Math.max(0, widths[j] - c.width))
      })
      if (i + 1 < this.lines.length || lastHasNewline) this.out += '\n'
    }
  }
}
