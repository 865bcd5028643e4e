// Where the local-path provisioner keeps its volumes (`<data dir>/local-path-provisioner/pvc-...`,
// as kind keeps them under /var/local-path-provisioner) and the file-system effects it is given.
import { chmod, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { VolumeDirs } from '../controllers/volume/controller.js'

export function localPathDirs(dataDir: string): [root: string, dirs: VolumeDirs] {
  const root = join(dataDir, 'local-path-provisioner')
  return [
    root,
    {
      async create(path) {
        await mkdir(path, { recursive: true })
        await chmod(path, 0o777) // any pod user may write, as local-path's helper pod leaves it
      },
      async remove(path) {
        await rm(path, { recursive: true, force: true })
      },
    },
  ]
}
