// Types for go-compat.mjs (plain ESM, run without compilation by the image programs).
export function goJSON(value: unknown): string
export function canonicalHeaderKey(key: string): string
export function goRequestHeader(rawHeaders: string[]): Record<string, string[]>
export function goDuration(ns: number): string
export function goDate(d: Date, sep?: string): string
export function joinHostPort(host: string, port: number | string): string
