import { TopologyError } from '../errors.js'
import type { Serde } from '../serde/serde.js'
import { KTable } from './ktable.js'
import {
  foreignKeyLocalResultProcessor,
  responseResolverProcessor,
  rightUpdateFanOutProcessor,
  subscriptionReceiverProcessor,
  subscriptionSenderProcessor,
  type ForeignKeyExtractor,
  type ForeignKeyJoiner,
  type ForeignKeyJoinKind,
} from './processors/foreign-key-join.js'
import { subscriptionKeySerde, subscriptionResponseSerde, subscriptionSerde, valueHashSerde } from './processors/foreign-key-messages.js'
import { tableMergeProcessor } from './processors/table-operations.js'
import { addTableStore, tableValueGetter, type TableOperationOptions } from './table-operations.js'
import { storeValueGetter } from './table-value-getter.js'

/** Options of a foreign-key table-table join; `store`, `value`, `backend` and `logging` are the result's, as for other table joins. */
export interface ForeignKeyJoinedOptions<KO, VR> extends TableOperationOptions<VR> {
  /**
   * The foreign key's serde (default: the other table's key serde). It keys the subscription
   * topic, which must be partitioned as the other table's topic: it must write a key with the
   * bytes that topic holds for it.
   */
  foreignKey?: Serde<KO>
  /**
   * Names the join's internal topics, `<applicationId>-<repartition>-subscription-repartition`
   * and `<applicationId>-<repartition>-response-repartition`, and its stores,
   * `<repartition>-foreign-keys` and `<repartition>-subscriptions` (default: derived from the
   * two tables, `<left>-table-fk-join-<right>`).
   */
  repartition?: string
}

/**
 * @internal KTable.join / leftJoin with a foreign key (Kafka Streams' KIP-213): the left rows
 * need not share the right table's key nor its partitioning. Each left row subscribes to the
 * right row its foreign key names, through a subscription topic keyed (and so partitioned) by the
 * foreign key; the right side remembers the subscriptions in a store it can scan by foreign key
 * and answers, on a subscription and on every update of the right row, through a response topic
 * keyed by the left key. The left side resolves each answer against the row's current value.
 * The result is keyed by the left key and is read by key only when materialized (`store`).
 */
export function joinOnForeignKey<K, V, KO, VO, VR>(
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  extract: ForeignKeyExtractor<K, V, KO>,
  joiner: ForeignKeyJoiner<K, V, VO, VR>,
  kind: ForeignKeyJoinKind,
  options: ForeignKeyJoinedOptions<KO, VR> = {},
): KTable<K, VR> {
  const { builder } = left
  const operation = kind === 'inner' ? 'table-fk-join' : 'table-fk-left-join'
  const describe = `${operation} of "${left.lineage}" with "${right.lineage}"`
  if (right.builder !== builder) throw new TopologyError(`${describe}: the tables come from different builders`)
  const leftGetter = tableValueGetter(left)
  const rightGetter = tableValueGetter(right)
  for (const [table, getter] of [[left, leftGetter], [right, rightGetter]] as const) {
    if (!getter) throw new TopologyError(`${describe}: the table "${table.lineage}" (node ${table.node}) cannot be read by key; materialize it`)
  }
  const foreignKeySerde = options.foreignKey ?? right.keySerde
  if (!left.keySerde) throw new TopologyError(`${describe} needs the left table's key serde (for its internal topics)`)
  if (!left.valueSerde) throw new TopologyError(`${describe} needs the left table's value serde (it hashes left values): pass { value: ... } where the table is made`)
  if (!foreignKeySerde) throw new TopologyError(`${describe} needs the foreign key's serde: pass { foreignKey: ... }`)
  if (!right.valueSerde) throw new TopologyError(`${describe} needs the right table's value serde (for the response topic)`)
  const leftKeySerde = left.keySerde
  const leftValueSerde = left.valueSerde

  const lineage = `${left.lineage}-${operation}-${right.lineage}`
  const base = builder.repartitionName(lineage, options.repartition)
  const subscriptionTopic = builder.graph.addRepartitionTopic(`${base}-subscription`)
  const responseTopic = builder.graph.addRepartitionTopic(`${base}-response`)
  // Both left-side processors hash for the subscription topic, whose sink prepares the serde.
  const hashing = { serde: leftValueSerde, topic: subscriptionTopic }
  const foreignKeysStore = builder.storeName(`${base}-foreign-keys`)
  const subscriptionsStore = builder.storeName(`${base}-subscriptions`)
  const named = (suffix: string): string | undefined => options.name && `${options.name}-${suffix}`
  const { graph } = builder

  // Left side: subscribe, and the results that need no answer.
  const sender = builder.nodeName(`${operation}-subscribe`, named('subscribe'))
  graph.addProcessor(sender, subscriptionSenderProcessor(extract, kind, foreignKeysStore, foreignKeySerde, hashing), left.node)
  graph.addStateStore({ name: foreignKeysStore, type: 'keyValue', keySerde: leftKeySerde, valueSerde: foreignKeySerde, logging: true, backend: options.backend }, sender)
  const local = builder.nodeName(`${operation}-no-foreign-key`, named('no-foreign-key'))
  graph.addProcessor(local, foreignKeyLocalResultProcessor(extract, joiner, kind), left.node)
  const subscriptions = { key: foreignKeySerde, value: subscriptionSerde(leftKeySerde, leftValueSerde) }
  const subscriptionSink = builder.nodeName(`${operation}-subscription-sink`, named('subscription-sink'))
  const subscriptionSource = builder.nodeName(`${operation}-subscription-source`, named('subscription-source'))
  graph.addSink(subscriptionSink, subscriptionTopic, subscriptions, sender)
  graph.addSource(subscriptionSource, subscriptionTopic, subscriptions)

  // Right side: remember subscriptions, answer them and every update of a subscribed right row.
  const keys = subscriptionKeySerde(foreignKeySerde, leftKeySerde, subscriptionTopic)
  const receiver = builder.nodeName(`${operation}-receive`, named('receive'))
  graph.addProcessor(receiver, subscriptionReceiverProcessor<KO, K, VO>(subscriptionsStore, rightGetter as NonNullable<typeof rightGetter>), subscriptionSource)
  graph.connectProcessorAndStateStores(receiver, ...new Set(rightGetter?.stores))
  const fanOut = builder.nodeName(`${operation}-fan-out`, named('fan-out'))
  graph.addProcessor(fanOut, rightUpdateFanOutProcessor<KO, K, VO>(subscriptionsStore, keys.prefixOf), right.node)
  graph.addStateStore({ name: subscriptionsStore, type: 'keyValue', keySerde: keys, valueSerde: valueHashSerde(), logging: true, backend: options.backend }, receiver, fanOut)
  const responses = { key: leftKeySerde, value: subscriptionResponseSerde(right.valueSerde) }
  const responseSink = builder.nodeName(`${operation}-response-sink`, named('response-sink'))
  const responseSource = builder.nodeName(`${operation}-response-source`, named('response-source'))
  graph.addSink(responseSink, responseTopic, responses, receiver, fanOut)
  graph.addSource(responseSource, responseTopic, responses)

  // Left side again: resolve the answers against the rows' current values.
  const resolver = builder.nodeName(`${operation}-resolve`, named('resolve'))
  graph.addProcessor(resolver, responseResolverProcessor<K, V, VO, VR>(leftGetter as NonNullable<typeof leftGetter>, hashing, joiner, kind), responseSource)
  graph.connectProcessorAndStateStores(resolver, ...new Set(leftGetter?.stores))
  const output = builder.nodeName(operation, options.name)
  const store = options.store === undefined ? undefined : builder.storeName(lineage, options.store)
  graph.addProcessor(output, tableMergeProcessor<K, VR>(store), local, resolver)
  if (store !== undefined) addTableStore(left, leftKeySerde, store, options.value, options, output, operation)
  return new KTable<K, VR>(builder, output, lineage, leftKeySerde, options.value, store, store === undefined ? undefined : storeValueGetter(store))
}
