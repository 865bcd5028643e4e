// The dashboard's server side, for cli/ to wire into `kubelite up` and `kubelite dashboard`.
export { DashboardServer, type DashboardOptions } from './server/server.js'
export { Sessions } from './server/session.js'
export { forgetDashboard, loginUrlFor, recordDashboard } from './server/locate.js'
