// The shipped category count under the demo's run-specific names (set by demo/kafka-pipeline.ts).
import { categoryCounts } from '../../topologies/category-counts.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default categoryCounts({
  applicationId: names.countsApplication,
  inputTopic: names.transactions,
  outputTopic: names.counts,
  windowSize: names.windowSize,
  grace: names.grace,
})
