// What may differ between two runs of a demo, taken out so that recorded tutorials can be compared:
// generated names (ReplicaSet and pod hashes), ages and dates, addresses, and column padding.

const safe = '[bcdfghjklmnpqrstvwxz2456789]'
const patterns: [RegExp, string][] = [
  [new RegExp(`-${safe}{6,10}-${safe}{5}\\b`, 'g'), '-HASH-POD'], // pod of a ReplicaSet
  [new RegExp(`-${safe}{6,10}\\b`, 'g'), '-HASH'], // ReplicaSet
  [/\b127\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g, 'IP'],
  [/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\b/g, 'DATE'],
  [/\b\d+(\.\d+)?(ms|s|m|h|d)(\d+(s|m|h))?\b/g, 'AGE'],
  // the canary judge's measurements: both sides' means, and how the latencies compared
  [/\(canary [\d.]+, stable [\d.]+\)/g, '(canary N, stable N)'],
  [/\b(p\d+_latency) (Pass|High|Low)\b/g, '$1 CLASS'],
  [/[ \t]+/g, ' '],
]

export function normalizeRun(text: string): string {
  let out = text
  for (const [re, by] of patterns) out = out.replace(re, by)
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}
