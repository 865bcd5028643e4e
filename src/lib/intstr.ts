// intstr.IntOrString as the controllers use it: an integer, or a percentage of a total
// (upstream: k8s.io/apimachinery/pkg/util/intstr GetScaledValueFromIntOrPercent).

export type IntOrString = number | string

/**
 * The value of an int-or-percent against `total`. Percentages round up when `roundUp` (maxSurge)
 * and down otherwise (maxUnavailable): 25% of 10 is 3 as a surge, 2 as unavailability.
 * Throws on a string that is not `<digits>%`, as upstream returns an error.
 */
export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return Math.trunc(v)
  const m = /^([0-9]+)%$/.exec(v)
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: ${v.endsWith('%') ? 'strconv.Atoi' : 'must be an integer or percentage'}`)
  // Integer arithmetic first, as upstream's float64 multiply then Ceil/Floor is exact for these sizes.
  const scaled = (Number.parseInt(m[1], 10) * total) / 100
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled)
}
