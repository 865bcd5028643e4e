// The test kit: waiting on conditions, an in-process API server, and time under the test's control.
export { until, type UntilOptions } from './until.js'
export { apiCluster, type ApiFixture } from './cluster.js'
export { FakeClock } from '../../src/lib/clock.js'
