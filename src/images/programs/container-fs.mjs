// The container's filesystem as a built-in image's program sees it. The process runtime passes
// the pod's volume mounts in KUBELITE_MOUNTS (JSON: [{containerPath, path}], `path` being where
// this process reads the volume: the mountPath itself inside a pod sandbox, the volume's host
// directory when pod isolation is off). A path under no mount is the image's own: the program
// serves its built-in files for it, never the host's file at that path.
const mounts = parseMounts(process.env.KUBELITE_MOUNTS)
delete process.env.KUBELITE_MOUNTS

function parseMounts(text) {
  if (!text) return []
  try {
    const list = JSON.parse(text)
    if (!Array.isArray(list)) return []
    return list
      .filter((m) => m && typeof m.containerPath === 'string' && typeof m.path === 'string')
      .map((m) => ({ containerPath: m.containerPath.replace(/\/+$/, '') || '/', path: m.path }))
      .sort((a, b) => b.containerPath.length - a.containerPath.length)
  } catch {
    return []
  }
}

/** Where to read the container path `p` (absolute): a volume's directory, or undefined (the image's own file). */
export function mountedPath(p) {
  for (const m of mounts) {
    if (p === m.containerPath) return m.path
    const prefix = m.containerPath === '/' ? '/' : m.containerPath + '/'
    if (p.startsWith(prefix)) return m.path.replace(/\/+$/, '') + '/' + p.slice(prefix.length)
  }
  return undefined
}
