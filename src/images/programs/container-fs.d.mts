// Types for container-fs.mjs (plain ESM, run without compilation by the image programs).
export function mountedPath(p: string): string | undefined
