import { TopologyError } from '../errors.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import type { JoinWindows } from './join-windows.js'
import { KStream } from './kstream.js'
import { unmatchedKeySerde, unmatchedValuesSerde, valueListSerde } from './processors/join-stores.js'
import { statelessProcessor } from './processors/stateless.js'
import { streamStreamJoinProcessors, type JoinLateRecordHandler, type StreamJoinKind } from './processors/stream-stream-join.js'

/** Options of a stream-stream join (Kafka Streams' StreamJoined). */
export interface StreamJoinedOptions<K, V, VO> {
  /** Names the join's output node; its two inputs are `<name>-this` and `<name>-other`. */
  name?: string
  /**
   * Names the two window stores `<store>-this` and `<store>-other`, and a left or outer join's
   * store of records not joined yet `<store>-unmatched` (default: derived from the streams'
   * topics and the join kind, e.g. `clicks-left-join-views-this`).
   */
  store?: string
  /** The key serde, if the streams' is unknown (after a key-changing operation). */
  key?: Serde<K>
  /** This stream's value serde, if unknown. */
  value?: Serde<V>
  /** The other stream's value serde, if unknown. */
  otherValue?: Serde<VO>
  /**
   * Names the repartition topics of a side whose key may have changed upstream:
   * `<applicationId>-<repartition>-this-repartition` and `...-other-repartition`.
   */
  repartition?: string
  /** Backend of the join's stores. */
  backend?: BackendKind
  /** Keep changelog topics for the join's stores (default true; without them a restart loses the windows). */
  logging?: boolean
  /** Receives records dropped as late (their join window had closed); they are counted too. */
  onLateRecord?: JoinLateRecordHandler<K, V, VO>
}

const OPERATION: Record<StreamJoinKind, string> = { inner: 'join', left: 'left-join', outer: 'outer-join' }

/**
 * @internal Builds a windowed stream-stream join (see streamStreamJoinProcessors for the
 * semantics). Both sides must be co-partitioned: a side whose key may have changed upstream is
 * written through a repartition topic first; the two inputs then share a sub-topology, whose
 * source topics the runtime requires to have the same partition count.
 */
export function joinStreams<K, V, VO, VR>(
  left: KStream<K, V>,
  right: KStream<K, VO>,
  joiner: (value: V | undefined, otherValue: VO | undefined, key: K) => VR,
  windows: JoinWindows,
  kind: StreamJoinKind,
  options: StreamJoinedOptions<K, V, VO> = {},
): KStream<K, VR> {
  const { builder } = left
  if (!windows || typeof windows.retentionMs !== 'number') throw new TopologyError(`a stream-stream join of "${left.lineage}" with "${right.lineage}" needs JoinWindows`)
  if (right.builder !== builder) throw new TopologyError(`join of "${left.lineage}" with "${right.lineage}": the streams come from different builders`)
  const operation = OPERATION[kind]
  const describe = `${operation} of "${left.lineage}" with "${right.lineage}"`
  const keySerde = options.key ?? left.keySerde ?? right.keySerde
  if (!keySerde) throw new TopologyError(`${describe} needs a key serde for its stores: pass { key: ... }`)
  const valueSerde = options.value ?? left.valueSerde
  if (!valueSerde) throw new TopologyError(`${describe} needs this stream's value serde for its store: pass { value: ... }`)
  const otherValueSerde = options.otherValue ?? right.valueSerde
  if (!otherValueSerde) throw new TopologyError(`${describe} needs the other stream's value serde for its store: pass { otherValue: ... }`)

  const given = options.repartition
  const thisInput = left.keyChanged ? repartitioned(left, keySerde, valueSerde, `${left.lineage}-${operation}-this`, given && `${given}-this`, operation) : left
  const otherInput = right.keyChanged ? repartitioned(right, keySerde, otherValueSerde, `${right.lineage}-${operation}-other`, given && `${given}-other`, operation) : right

  const base = `${left.lineage}-${operation}-${right.lineage}`
  const thisStore = builder.storeName(`${base}-this`, options.store && `${options.store}-this`)
  const otherStore = builder.storeName(`${base}-other`, options.store && `${options.store}-other`)
  const thisNode = builder.nodeName(`${operation}-this`, options.name && `${options.name}-this`)
  const otherNode = builder.nodeName(`${operation}-other`, options.name && `${options.name}-other`)
  const output = builder.nodeName(operation, options.name)

  const unmatchedStore = kind === 'inner' ? undefined : builder.storeName(`${base}-unmatched`, options.store && `${options.store}-unmatched`)

  const processors = streamStreamJoinProcessors<K, V, VO, VR>({
    kind,
    windows,
    thisStoreName: thisStore,
    otherStoreName: otherStore,
    unmatchedStoreName: unmatchedStore,
    joiner,
    onLateRecord: options.onLateRecord,
  })
  builder.graph.addProcessor(thisNode, processors.thisSide, thisInput.node)
  builder.graph.addProcessor(otherNode, processors.otherSide, otherInput.node)
  builder.graph.addProcessor(output, statelessProcessor<K, VR, K, VR>((record) => [record]), thisNode, otherNode)
  const logging = options.logging ?? true
  const store = { type: 'window' as const, keySerde, logging, backend: options.backend, windowSizeMs: windows.sizeMs + 1, retentionMs: windows.retentionMs }
  builder.graph.addStateStore({ ...store, name: thisStore, valueSerde: valueListSerde(valueSerde) }, thisNode, otherNode)
  builder.graph.addStateStore({ ...store, name: otherStore, valueSerde: valueListSerde(otherValueSerde) }, thisNode, otherNode)
  if (unmatchedStore !== undefined) {
    builder.graph.addStateStore(
      { name: unmatchedStore, type: 'keyValue', keySerde: unmatchedKeySerde(keySerde), valueSerde: unmatchedValuesSerde(valueSerde, otherValueSerde), logging, backend: options.backend },
      thisNode,
      otherNode,
    )
  }
  return new KStream<K, VR>(builder, output, base, keySerde, undefined, false)
}

/** The stream written through `<applicationId>-<name>-repartition` and read back, keyed as it is now. */
function repartitioned<K, V>(stream: KStream<K, V>, keySerde: Serde<K>, valueSerde: Serde<V>, generatedBase: string, given: string | undefined, operation: string): KStream<K, V> {
  const { builder } = stream
  const name = builder.repartitionName(generatedBase, given)
  const topic = builder.graph.addRepartitionTopic(name)
  const sink = builder.nodeName(`${operation}-repartition-sink`)
  const source = builder.nodeName(`${operation}-repartition-source`)
  builder.graph.addSink(sink, topic, { key: keySerde, value: valueSerde }, stream.node)
  builder.graph.addSource(source, topic, { key: keySerde, value: valueSerde })
  return new KStream(builder, source, name, keySerde, valueSerde, false)
}
