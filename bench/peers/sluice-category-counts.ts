// The shipped category count under the peers benchmark's names (bench/peers.ts sets them).
import { categoryCounts } from '../../topologies/category-counts.js'

const env = process.env
export default categoryCounts({ applicationId: env.PEER_APPLICATION_ID, inputTopic: env.PEER_INPUT_TOPIC, outputTopic: env.PEER_OUTPUT_TOPIC, grace: '30d' })
