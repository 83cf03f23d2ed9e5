// The shipped user anomaly topology on the Debezium topic of the demo's transactions table (demo --cdc).
import { userAnomaly } from '../../topologies/user-anomaly.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default userAnomaly({ applicationId: names.anomalyApplication, inputTopic: names.cdcTopic, alertsTopic: names.alerts, cdc: true })
