// The two-sample Mann-Whitney U test (Wilcoxon rank-sum) with its confidence interval and
// Hodges-Lehmann estimate of the location shift x - y, computed as R's wilcox.test(conf.int =
// TRUE) does with the normal approximation (correct = TRUE, ties corrected) and as Kayenta's
// kayenta-mannwhitney reproduces it: the interval ends are the roots in mu of the standardized
// rank-sum statistic of (x - mu) against y at ±z(alpha/2), found by R's zeroin (Brent's method,
// tolerance 1e-4 as R's uniroot); the estimate is the root at 0.

export interface MannWhitneyResult {
  confidenceInterval: [number, number]
  estimate: number
}

/** Ranks with ties averaged (Apache Commons' NaturalRanking with TiesStrategy.AVERAGE). */
export function rank(values: readonly number[]): number[] {
  const idx = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const ranks = new Array<number>(values.length)
  for (let i = 0; i < idx.length; ) {
    let j = i
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++
    const avg = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) ranks[idx[k]![1]] = avg
    i = j + 1
  }
  return ranks
}

/**
 * The inverse of the standard normal CDF: Wichura's algorithm AS 241 (PPND16), accurate to about
 * 1e-16, which R's qnorm also uses.
 */
export function qnorm(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1)
    )
  }
  let r = q < 0 ? p : 1 - p
  r = Math.sqrt(-Math.log(r))
  let val: number
  if (r <= 5) {
    r -= 1.6
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1)
  } else {
    r -= 5
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1)
  }
  return q < 0 ? -val : val
}

/** The standardized, continuity-corrected rank-sum statistic of x - mu against y, minus the quantile. */
export function wilcoxonDiff(mu: number, quantile: number, x: readonly number[], y: readonly number[]): number {
  const nx = x.length
  const ny = y.length
  const r = rank([...x.map((v) => v - mu), ...y])
  const ties = new Map<number, number>()
  for (const v of r) ties.set(v, (ties.get(v) ?? 0) + 1)
  let sumX = 0
  for (let i = 0; i < nx; i++) sumX += r[i]!
  const dz = sumX - (nx * (nx + 1)) / 2 - (nx * ny) / 2
  const correction = Math.sign(dz) * 0.5
  let tieSum = 0
  for (const t of ties.values()) tieSum += t ** 3 - t
  const sigma = Math.sqrt(((nx * ny) / 12) * (nx + ny + 1 - tieSum / ((nx + ny) * (nx + ny - 1))))
  if (sigma === 0) throw new Error('cannot compute confidence interval when all observations are tied')
  return (dz - correction) / sigma - quantile
}

const EPSILON = 2.220446049250313e-16
const TOLERANCE = 1e-4

/** R's zeroin: a root of f in [ax, bx] given f(ax) and f(bx) of opposite signs. */
export function zeroin(ax: number, bx: number, fax: number, fbx: number, f: (x: number) => number): number {
  let a = ax
  let b = bx
  let fa = fax
  let fb = fbx
  let c = a
  let fc = fa
  if (fa === 0) return a
  if (fb === 0) return b
  for (let iter = 0; iter <= 1000; iter++) {
    const prevStep = b - a
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b
      b = c
      c = a
      fa = fb
      fb = fc
      fc = fa
    }
    const tolAct = 2 * EPSILON * Math.abs(b) + TOLERANCE / 2
    let newStep = (c - b) / 2
    if (Math.abs(newStep) <= tolAct || fb === 0) return b
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      let p: number
      let q: number
      const cb = c - b
      if (a === c) {
        const t1 = fb / fa
        p = cb * t1
        q = 1 - t1
      } else {
        const qq = fa / fc
        const t1 = fb / fc
        const t2 = fb / fa
        p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1))
        q = (qq - 1) * (t1 - 1) * (t2 - 1)
      }
      if (p > 0) q = -q
      else p = -p
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct
    a = b
    fa = fb
    b += newStep
    fb = f(b)
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a
      fc = fa
    }
  }
  return b
}

/** The interval and estimate of the shift x - y at the given confidence level (0.98 for the judge). */
export function mannWhitneyUTest(x: readonly number[], y: readonly number[], confidenceLevel = 0.95): MannWhitneyResult {
  const alpha = 1 - confidenceLevel
  const muMin = Math.min(...x) - Math.max(...y)
  const muMax = Math.max(...x) - Math.min(...y)
  const root = (zq: number) => {
    const fLower = wilcoxonDiff(muMin, zq, x, y)
    const fUpper = wilcoxonDiff(muMax, zq, x, y)
    if (fLower <= 0) return muMin
    if (fUpper >= 0) return muMax
    return zeroin(muMin, muMax, fLower, fUpper, (mu) => wilcoxonDiff(mu, zq, x, y))
  }
  const zq = qnorm(alpha / 2)
  const confidenceInterval: [number, number] = [root(-zq), root(zq)]
  const estimate = zeroin(muMin, muMax, wilcoxonDiff(muMin, 0, x, y), wilcoxonDiff(muMax, 0, x, y), (mu) => wilcoxonDiff(mu, 0, x, y))
  return { confidenceInterval, estimate }
}
