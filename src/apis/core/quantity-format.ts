// resource.Quantity arithmetic and canonical printing as the quota and limit-range code needs it:
// sums of requests kept exact in nano units, printed the way Quantity.String() does ("500m", "2",
// "1500", "2k", "192Mi").
import { parseQuantity } from './quantity.js'

export type QuantityFormat = 'DecimalSI' | 'BinarySI'

/** A quantity in nano units (exact for everything a pod spec holds), with the format it prints in. */
export interface Amount {
  nano: bigint
  format: QuantityFormat
}

/** The format a quantity string was written in (binary suffixes print binary). */
export function formatOf(q: unknown): QuantityFormat {
  return typeof q === 'string' && /[KMGTPE]i$/.test(q) ? 'BinarySI' : 'DecimalSI'
}

export function toAmount(q: unknown): Amount | undefined {
  const v = parseQuantity(q)
  if (v === undefined) return undefined
  return { nano: BigInt(Math.round(v * 1e9)), format: formatOf(q) }
}

export const zero = (format: QuantityFormat = 'DecimalSI'): Amount => ({ nano: 0n, format })

/** Go's Quantity.Add: the receiver's format wins. */
export function addAmounts(a: Amount, b: Amount): Amount {
  return { nano: a.nano + b.nano, format: a.format }
}

const decimalSuffixes: [number, string][] = [
  [18, 'E'],
  [15, 'P'],
  [12, 'T'],
  [9, 'G'],
  [6, 'M'],
  [3, 'k'],
  [0, ''],
  [-3, 'm'],
  [-6, 'u'],
  [-9, 'n'],
]
const binarySuffixes: [bigint, string][] = [
  [1n << 60n, 'Ei'],
  [1n << 50n, 'Pi'],
  [1n << 40n, 'Ti'],
  [1n << 30n, 'Gi'],
  [1n << 20n, 'Mi'],
  [1n << 10n, 'Ki'],
]

/** Quantity.String(): the largest suffix that keeps the number whole. */
export function formatAmount(a: Amount): string {
  if (a.nano === 0n) return '0'
  const neg = a.nano < 0n
  const abs = neg ? -a.nano : a.nano
  const sign = neg ? '-' : ''
  // Binary only for whole values of at least 1024 (smaller ones print in decimal, as upstream).
  if (a.format === 'BinarySI' && abs % 1_000_000_000n === 0n && abs / 1_000_000_000n >= 1024n) {
    const units = abs / 1_000_000_000n
    for (const [factor, suffix] of binarySuffixes) if (units % factor === 0n) return `${sign}${units / factor}${suffix}`
    return `${sign}${units}`
  }
  for (const [exp, suffix] of decimalSuffixes) {
    const div = 10n ** BigInt(exp + 9)
    if (abs % div === 0n) return `${sign}${abs / div}${suffix}`
  }
  return `${sign}${abs}n`
}

/** Canonical form of a quantity string (undefined when it does not parse). */
export function canonicalQuantity(q: unknown): string | undefined {
  const a = toAmount(q)
  return a && formatAmount(a)
}
