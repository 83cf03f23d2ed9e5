import type avro from 'avsc'
import type { Serde } from '../serde/serde.js'
import type { Topology } from './topology.js'
import { isAvroSerde, type AvroSerdeInfo } from '../serde/avro/avro-serde.js'

/** One subject a topology writes or reads with an Avro serde that has a schema of its own. */
export interface AvroSubjectUse {
  readonly subject: string
  readonly schema: avro.Type
  readonly serde: AvroSerdeInfo
  /** Where the topology uses it, e.g. "source topic transactions (value)". */
  readonly uses: readonly string[]
}

/**
 * Every Avro subject of a topology: source, sink and repartition topics, and each store's
 * changelog (the store's serdes write it; local store values have the same bytes). Serdes
 * without a schema (they write the latest registered version) have nothing to check.
 */
export function avroSubjectsOf(topology: Topology): AvroSubjectUse[] {
  const repartition = new Set(topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name))
  const bySubject = new Map<string, { subject: string; schema: avro.Type; serde: AvroSerdeInfo; uses: string[] }>()
  const add = (serde: Serde<unknown>, topic: string, use: string): void => {
    if (!isAvroSerde(serde) || serde.avro.schema === undefined) return
    const subject = serde.avro.subjectFor(topic)
    // The schema as registered, defaults and aliases included: avsc's canonical fingerprint drops
    // them, and two serdes differing only there are two schemas to check.
    const key = `${subject}\u0000${JSON.stringify(serde.avro.schema.schema({ exportAttrs: true }))}`
    const label = `${use} (${serde.avro.part})`
    const found = bySubject.get(key)
    if (found) {
      if (!found.uses.includes(label)) found.uses.push(label)
    } else bySubject.set(key, { subject, schema: serde.avro.schema, serde: serde.avro, uses: [label] })
  }
  for (const subtopology of topology.subtopologies) {
    for (const node of subtopology.nodes) {
      if (node.kind === 'source') {
        for (const topic of node.topics) {
          const kind = repartition.has(topic) ? 'repartition' : 'source'
          add(node.keySerde, topic, `${kind} topic ${topic}`)
          add(node.valueSerde, topic, `${kind} topic ${topic}`)
        }
      } else if (node.kind === 'sink') {
        const kind = repartition.has(node.topic) ? 'repartition' : 'sink'
        add(node.keySerde, node.topic, `${kind} topic ${node.topic}`)
        add(node.valueSerde, node.topic, `${kind} topic ${node.topic}`)
      }
    }
  }
  for (const spec of topology.stores.values()) {
    const changelog = topology.changelogTopicOf(spec.name)
    const use = changelog ? `store ${spec.name} and its changelog ${changelog}` : `store ${spec.name}`
    add(spec.keySerde, changelog ?? spec.name, use)
    add(spec.valueSerde, changelog ?? spec.name, use)
  }
  return [...bySubject.values()]
}
