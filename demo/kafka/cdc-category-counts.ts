// The shipped category count on the Debezium topic of the demo's transactions table (demo --cdc).
import { categoryCounts } from '../../topologies/category-counts.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default categoryCounts({
  applicationId: names.countsApplication,
  inputTopic: names.cdcTopic,
  outputTopic: names.counts,
  windowSize: names.windowSize,
  grace: names.grace,
  cdc: true,
})
