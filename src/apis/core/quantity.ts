// resource.Quantity, as far as the API server needs it here: parse, compare, and the upstream
// syntax message. Values are kept as numbers (base units); that is exact enough for comparing
// requests with limits and for QoS.

export const quantityRegexMsg = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 }
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }

/** The value in base units, or undefined when it is not a valid quantity. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined
  if (typeof q !== 'string') return undefined
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(q.trim() === q ? q : '')
  if (!m) return undefined
  const n = Number(m[1])
  const suffix = m[2]
  if (suffix in binary) return n * binary[suffix]
  if (suffix in decimal) return n * decimal[suffix]
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix)
  if (exp) return n * 10 ** Number(exp[1])
  return undefined
}
