// The data dir holds every Secret (in state.db) and the cluster's keys (pki/): it is the
// cluster's root of trust, so it is private to its owner, as kubelet's and etcd's data dirs are
// (etcd refuses a data dir with looser permissions than 0700 and fixes them when it can).
import { chmod, mkdir, stat } from 'node:fs/promises'

/**
 * Creates `dir` (0700) or makes an existing one private: group/other read and search bits are
 * removed. A directory others can write is refused: someone else may already have replaced what is
 * in it, so kubelite cannot trust it.
 */
export async function ensurePrivateDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const st = await stat(dir)
  if (!st.isDirectory()) throw new Error(`data dir ${dir} is not a directory`)
  const mode = st.mode & 0o777
  if (mode & 0o022) {
    throw new Error(
      `data dir ${dir} is writable by ${mode & 0o002 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); it holds the cluster's keys and Secrets, ` +
        `so kubelite will not use it. Make it private with \`chmod 700 ${dir}\` (if you trust what is in it) or choose another --data-dir.`,
    )
  }
  if (mode & 0o077) await chmod(dir, mode & 0o700)
}
