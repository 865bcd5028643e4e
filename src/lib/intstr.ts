// intstr.IntOrString as the controllers use it: an integer, or a percentage of a total
// (upstream: k8s.io/apimachinery/pkg/util/intstr GetScaledValueFromIntOrPercent).

export type IntOrString = number | string

const percentRe = /^[0-9]+%$/

/** The number of a valid percent string (`25%` → 25), else undefined. */
export function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && percentRe.test(v) ? Number.parseInt(v.slice(0, -1), 10) : undefined
}

/**
 * The value of an int-or-percent against `total`. Percentages round up when `roundUp` (maxSurge)
 * and down otherwise (maxUnavailable): 25% of 10 is 3 as a surge, 2 as unavailability.
 * Throws on a string that is not `<digits>%`, as upstream returns an error.
 */
export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return Math.trunc(v)
  const p = percentValue(v)
  if (p === undefined) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: must be an integer or percentage`)
  const scaled = (p * total) / 100
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled)
}
