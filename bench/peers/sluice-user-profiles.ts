// The user-profiles workload on Sluice (bench/peers.ts sets the names): a key-value store of
// 100,000 card profiles, one read and one write per transaction, alerts to the output topic.
import { defineTopology, serdes, Stores, type KeyValueStore, type Processor, type ProcessorContext, type Record } from 'sluice'
import { transaction } from '../../topologies/schemas.js'
import type { Transaction } from '../../topologies/transaction.js'
import { centsOf, scoreTransaction, type Profile } from './user-profiles-rule.js'

class ProfileProcessor implements Processor<string, Transaction | null, string, string> {
  private context!: ProcessorContext<string, string>
  private profiles!: KeyValueStore<string, Profile>

  init(context: ProcessorContext<string, string>): void {
    this.context = context
    this.profiles = context.getStateStore<KeyValueStore<string, Profile>>('profiles')
  }

  process(record: Record<string, Transaction | null>): void {
    const tx = record.value
    if (tx === null) return
    const { alert, next } = scoreTransaction(this.profiles.get(tx.cc_num), centsOf(tx.amt))
    this.profiles.put(tx.cc_num, next)
    if (alert) this.context.forward(record.withKey(tx.cc_num).withValue(tx.trans_num))
  }
}

const env = process.env
export default defineTopology({ applicationId: env.PEER_APPLICATION_ID ?? 'bench-user-profiles' }, (b) => {
  b.stream(env.PEER_INPUT_TOPIC ?? 'transactions', { key: serdes.string(), value: transaction })
    .process(() => new ProfileProcessor(), { name: 'score', stores: [Stores.keyValue('profiles', { key: serdes.string(), value: serdes.json<Profile>() })] })
    .to(env.PEER_OUTPUT_TOPIC ?? 'alerts', { key: serdes.string(), value: serdes.string() })
})
