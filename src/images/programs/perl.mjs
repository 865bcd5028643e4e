// docker.io/library/perl: the host's perl runs the container's command. One exception, the
// Kubernetes docs' Job example `perl -Mbignum=bpi -wle 'print bpi(2000)'`: its digits of pi are
// computed here (Machin's formula on BigInt, rounded to N significant digits as Math::BigFloat's
// bpi rounds), because Debian's perl 5.36 dies on bpi(2000) inside Math::BigInt::Calc.
import { spawn } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** pi to `digits` significant digits, as `3.14…`. */
export function piDigits(digits) {
  const guard = 10n
  const scale = 10n ** (BigInt(digits) + guard)
  const arctanInv = (x) => {
    // arctan(1/x) = 1/x - 1/(3x^3) + 1/(5x^5) - ...
    const x2 = x * x
    let term = scale / x
    let sum = term
    for (let n = 3n, sign = -1n; term !== 0n; n += 2n, sign = -sign) {
      term /= x2
      sum += (sign * term) / n
    }
    return sum
  }
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n) // pi * 10^(digits + guard)
  // Keep `digits` significant digits (one before the point), rounding half up on the rest.
  const drop = 10n ** (guard + 1n)
  const kept = (pi + drop / 2n) / drop
  const s = kept.toString()
  return s.length > 1 ? `${s[0]}.${s.slice(1)}` : s
}

/** `-Mbignum=bpi -wle 'print bpi(N)'` (flags in any bundling): N, or undefined. */
function bpiOneLiner(argv) {
  let code
  let bignum = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (/^-M-?bignum(=|$)/.test(a) && /bpi/.test(a)) bignum = true
    else if (/^-[wlW]*e$/.test(a) && i + 1 < argv.length) code = argv[++i]
    else if (!/^-[wlW]+$/.test(a)) return undefined
  }
  const m = bignum && code !== undefined ? /^\s*print\s+bpi\(\s*(\d{1,5})\s*\)\s*;?\s*$/.exec(code) : null
  return m ? Number(m[1]) : undefined
}

function main(args) {
  const n = bpiOneLiner(args)
  if (n !== undefined && n > 0) {
    process.stdout.write(`${piDigits(n)}\n`)
    return
  }
  const child = spawn('perl', args, { stdio: 'inherit' })
  child.on('error', (err) => {
    process.stderr.write(`exec: "perl": ${err.code === 'ENOENT' ? 'executable file not found in $PATH' : err.message}\n`)
    process.exit(127)
  })
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
}

// Run as the container's program (not when a test imports piDigits).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2))
