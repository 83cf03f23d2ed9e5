// The shipped user anomaly topology under the demo's run-specific names.
import { userAnomaly } from '../../topologies/user-anomaly.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default userAnomaly({ applicationId: names.anomalyApplication, inputTopic: names.transactions, alertsTopic: names.alerts })
