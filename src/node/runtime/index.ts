// The container runtimes, for whoever wires a node agent (cli/up.ts), which also hands them the
// images they can run (node/ does not import images/):
//   const runtime = createRuntime({ kind: flags.runtime, stateDir: join(dataDir, 'nodes', nodeName, 'runtime') }, builtinImages)
//   ... agent runs ...
//   await runtime.close(30)            // kubelite up stopping: every container gets SIGTERM, then SIGKILL
// A process runtime's state dir must be stable across restarts of the agent: listRunning() then
// finds the containers the previous agent left running (or `detach()` left on purpose).
import { ProcessRuntime, type ProcessRuntimeOptions } from './process.js'
import { SimRuntime, type SimRuntimeOptions } from './sim.js'
import type { ImageSource, Runtime } from './types.js'

export * from './types.js'
export { ProcessRuntime, containerEnv, findExecutable, runtimeVersion, type ProcessRuntimeOptions } from './process.js'
export { SimRuntime, simPullError, type SimRuntimeOptions } from './sim.js'
export { parseCriLogLine, formatCriLogLine, formatRFC3339Nano, parseRFC3339Nano, maxLogLineSize, type CriLogRecord, type LogStream } from './cri-log.js'

export type RuntimeConfig = ({ kind: 'process' } & Omit<ProcessRuntimeOptions, 'images'>) | ({ kind: 'sim' } & Omit<SimRuntimeOptions, 'images'>)

export function createRuntime(config: RuntimeConfig, images: ImageSource): Runtime {
  return config.kind === 'process' ? new ProcessRuntime({ ...config, images }) : new SimRuntime({ ...config, images })
}
