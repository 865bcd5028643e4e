// Small shape guards for objects that arrive from users (any field may have any type).
import { isObj } from '../../lib/guards.js'
export { isObj }
export type Obj = Record<string, unknown>
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
export const objOf = (v: unknown): Obj => (isObj(v) ? v : {})
