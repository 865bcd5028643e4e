// A tiny protobuf encoder for tests: builds messages field by field.

/** Varint of a non-negative or negative (two's complement, 10 bytes) integer. */
export function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return out
}

export function key(field: number, wire: number): number[] {
  return varint((BigInt(field) << 3n) | BigInt(wire))
}

type Payload = Uint8Array | number[] | string

function bytesOf(p: Payload): number[] {
  if (typeof p === 'string') return [...Buffer.from(p, 'utf8')]
  return [...p]
}

/** Field builders: each returns the encoded field as a byte list. */
export const f = {
  varint: (field: number, v: number | bigint | boolean): number[] => [...key(field, 0), ...varint(typeof v === 'boolean' ? (v ? 1 : 0) : v)],
  bytes: (field: number, p: Payload): number[] => {
    const b = bytesOf(p)
    return [...key(field, 2), ...varint(b.length), ...b]
  },
  fixed32: (field: number, v: number): number[] => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v >>> 0)
    return [...key(field, 5), ...b]
  },
  fixed64: (field: number, v: bigint): number[] => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt.asUintN(64, v))
    return [...key(field, 1), ...b]
  },
  /** A map<string, V> entry whose value is already encoded. */
  entry: (field: number, k: string, value: number[]): number[] => f.bytes(field, [...f.bytes(1, k), ...value]),
}

/** Concatenates encoded fields into one message. */
export function msg(...fields: number[][]): Uint8Array {
  return Uint8Array.from(fields.flat())
}

/** A whole request body: `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array | number[]): Buffer {
  const typeMeta = [...f.bytes(1, apiVersion), ...f.bytes(2, kind)]
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...f.bytes(1, typeMeta), ...f.bytes(2, [...raw]), ...f.bytes(3, ''), ...f.bytes(4, '')])
}
