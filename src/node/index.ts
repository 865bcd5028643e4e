// The node component's boundary: the agent (kubelet), its runtimes, and what the API server asks
// of a node (logs, exec, port-forward).
export { NodeAgent, type NodeAgentOptions, type NodeAgentLog } from './agent/agent.js'
export { NodeError, type NodeConnection, type NodeDialer, type PodRef, type LogOptions, type ExecRequest } from './connection.js'
export { ProcessRuntime, type ProcessRuntimeOptions } from './runtime/process.js'
export { SimRuntime, type SimRuntimeOptions } from './runtime/sim.js'
export type { Runtime } from './runtime/types.js'
