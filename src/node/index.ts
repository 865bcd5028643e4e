// The node component's boundary: the agent (kubelet) and its runtimes. What the API server asks of
// a node (logs, exec, port-forward) is client/node-connection.ts, which the agent implements.
export { NodeAgent, type NodeAgentOptions, type NodeAgentLog } from './agent/agent.js'
export { ProcessRuntime, type ProcessRuntimeOptions } from './runtime/process.js'
export { SimRuntime, type SimRuntimeOptions } from './runtime/sim.js'
export type { Runtime } from './runtime/types.js'
