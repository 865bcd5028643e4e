// A mergeable latency histogram with a bounded relative error, for the per-second figures the
// traffic report merges over a window. Logarithmic buckets as in DDSketch (Masson et al., VLDB
// 2019): a value v > 0 falls in bucket ceil(log_γ v), and a quantile is read back as the bucket's
// midpoint 2γ^i/(γ+1), within (γ−1)/(γ+1) of the value it stands for. γ = 1.02 gives ≤ 1% error
// (the contract promises 2%); buckets are sparse, so a second with a handful of requests costs a
// handful of entries, and merging is adding counts. Written here rather than taken from a library:
// it is this small, and the per-second store needs only add, merge and quantile.

const gamma = 1.02
const logGamma = Math.log(gamma)
/** Values at or below this (ms) count as zero: far below anything a proxy can measure. */
const minValue = 1e-3

export class LatencyHistogram {
  /** Bucket index → count. */
  readonly buckets = new Map<number, number>()
  zeros = 0
  count = 0
  sum = 0
  max = 0

  add(v: number): void {
    if (!(v >= 0)) v = 0
    this.count++
    this.sum += v
    if (v > this.max) this.max = v
    if (v <= minValue) {
      this.zeros++
      return
    }
    const i = Math.ceil(Math.log(v) / logGamma)
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1)
  }

  merge(o: LatencyHistogram): void {
    this.count += o.count
    this.sum += o.sum
    this.zeros += o.zeros
    if (o.max > this.max) this.max = o.max
    for (const [i, n] of o.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + n)
  }

  get mean(): number {
    return this.count ? this.sum / this.count : 0
  }

  /** The q-quantile (0 ≤ q ≤ 1), by the lower nearest rank: the value with rank floor(q·(count−1)). */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.floor(Math.min(1, Math.max(0, q)) * (this.count - 1))
    if (rank < this.zeros) return 0
    let seen = this.zeros
    const keys = [...this.buckets.keys()].sort((a, b) => a - b)
    for (const i of keys) {
      seen += this.buckets.get(i)!
      if (seen > rank) return Math.min(this.max, (2 * Math.pow(gamma, i)) / (gamma + 1))
    }
    return this.max
  }
}
