import type { AdminClient, NewTopic } from './client/admin-client.js'
import { TopologyError } from '../../errors.js'
import type { Topology } from '../../topology/topology.js'
import { maxMessageBytesEntry, maxMessageBytesOf } from './message-size-limits.js'

/** Partition counts of every topic the application reads or writes, by name. */
export type PartitionCounts = ReadonlyMap<string, number>

const DAY_MS = 86_400_000

/**
 * Checks the source topics and creates the internal ones up front: repartition topics (delete
 * policy) with as many partitions as the sub-topology writing them reads (or, when read
 * together with source topics, as those have), changelogs (compact;
 * windowed: compact,delete) with as many as their task's sources. Sources of one sub-topology
 * must agree on their partition count, or tasks could not own "partition p" of each.
 * Topics that carry source records whole (repartition topics, a dead-letter topic created
 * here) accept records as large as the largest source topic does.
 */
export async function prepareTopics(
  admin: AdminClient,
  topology: Topology,
  options: { replicationFactor: number; extraTopics: readonly string[]; deadLetterTopic?: string },
): Promise<PartitionCounts> {
  const existing = new Set(await admin.listTopics())
  const counts = new Map<string, number>()
  // Global stores' topics are read whole by every instance, never by the group: they need only exist.
  const external = [...topology.externalSourceTopics, ...topology.globalStores.map((global) => global.topic)]
  const missing = external.filter((topic) => !existing.has(topic))
  if (missing.length > 0) throw new TopologyError(`Source topic(s) ${missing.join(', ')} do not exist; create them first`)
  const existingInternal = topology.internalTopics.map((topic) => topic.name).filter((topic) => existing.has(topic))
  for (const [topic, count] of await admin.partitionCounts([...external, ...existingInternal])) counts.set(topic, count)
  const largestSource = Math.max(0, ...(await maxMessageBytesOf(admin, external)).values())
  const sourceSized = largestSource > 0 ? maxMessageBytesEntry(largestSource) : {}

  // Repartition topics take their count from the sub-topology that writes them, which may
  // itself read repartition topics: resolve in rounds until every count is known. One read
  // together with other topics (a join after a key change, a foreign-key join's subscriptions
  // and responses) takes their count instead, so that they are co-partitioned (as Kafka Streams
  // sizes a join's repartition topics): that of the source topics beside it, if any, else that
  // of the repartition topics beside it once those are known.
  const repartitions = topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name)
  const writerCount = new Map<string, number>()
  const countOf = (topic: string): number | undefined => (repartitions.includes(topic) ? writerCount.get(topic) : counts.get(topic))
  /** The count co-partitioning asks of a repartition topic: null if it is read alone, undefined while unknown. */
  const besideCount = (topic: string): number | null | undefined => {
    const beside = topology.subtopologies.flatMap((subtopology) => (subtopology.sourceTopics.includes(topic) ? subtopology.sourceTopics : [])).filter((other) => other !== topic)
    if (beside.length === 0) return null
    const sources = beside.filter((other) => !repartitions.includes(other))
    if (sources.length > 0) return Math.max(...sources.map((other) => counts.get(other) ?? 0))
    const known = beside.map(countOf)
    return known.some((count) => count === undefined) ? undefined : Math.max(...(known as number[]))
  }
  let settled = true
  const settle = (topic: string, count: number): void => {
    if (writerCount.has(topic)) return
    writerCount.set(topic, count)
    settled = true
  }
  /** The largest count a sub-topology reads (undefined: not known yet): its repartition topics' own count. */
  const readCount = (subtopology: (typeof topology.subtopologies)[number]): number | undefined => {
    const known = subtopology.sourceTopics.map(countOf)
    return known.some((value) => value === undefined) ? undefined : Math.max(...(known as number[]))
  }
  const writerOf = (topic: string) => topology.subtopologies.find((subtopology) => subtopology.sinkTopics.includes(topic))
  while (settled) {
    settled = false
    for (const topic of repartitions) {
      const beside = besideCount(topic)
      const writer = writerOf(topic)
      if (typeof beside === 'number') settle(topic, beside)
      else if (beside === null && writer) {
        const count = readCount(writer)
        if (count !== undefined) settle(topic, count)
      }
    }
    if (settled) continue
    // Stuck: repartition topics read beside each other only, each waiting for the others (a
    // foreign-key join's responses beside a regrouped left table). The first such group whose
    // writers are known takes the largest of their counts, as Kafka Streams sizes them.
    for (const subtopology of topology.subtopologies) {
      const open = subtopology.sourceTopics.filter((topic) => repartitions.includes(topic) && !writerCount.has(topic))
      const writers = open.map((topic) => {
        const writer = writerOf(topic)
        return writer && readCount(writer)
      })
      if (open.length === 0 || writers.some((count) => count === undefined)) continue
      const beside = subtopology.sourceTopics.filter((topic) => !open.includes(topic)).map(countOf)
      const count = Math.max(...(writers as number[]), ...(beside.filter((value) => value !== undefined) as number[]))
      for (const topic of open) settle(topic, count)
      break
    }
  }
  const toCreate: NewTopic[] = []
  for (const topic of repartitions) {
    const wanted = writerCount.get(topic)
    if (wanted === undefined) throw new TopologyError(`Cannot tell the partition count of repartition topic ${topic}`)
    // Records keep their event time, which may be long past: time-based retention would delete
    // them before they are read. As in Kafka Streams, committed records are deleted instead
    // (RepartitionPurger).
    checkOrCreate(topic, wanted, { 'cleanup.policy': 'delete', 'retention.ms': '-1', ...sourceSized })
  }
  for (const subtopology of topology.subtopologies) {
    const sourceCounts = subtopology.sourceTopics.map((topic) => ({ topic, count: writerCount.get(topic) ?? counts.get(topic) }))
    const distinct = new Set(sourceCounts.map((entry) => entry.count))
    if (distinct.size > 1) {
      throw new TopologyError(
        `Sub-topology ${subtopology.id} reads topics with different partition counts (${sourceCounts.map((entry) => `${entry.topic}: ${entry.count}`).join(', ')}); co-partitioned topics must have the same count`,
      )
    }
    const taskCount = sourceCounts[0]?.count ?? 1
    for (const store of subtopology.stores) {
      const changelog = topology.changelogTopicOf(store.name)
      if (!changelog) continue
      const config: Record<string, string> =
        store.type === 'window' || store.type === 'session' ? { 'cleanup.policy': 'compact,delete', 'retention.ms': String((store.retentionMs ?? 0) + DAY_MS) } : { 'cleanup.policy': 'compact' }
      checkOrCreate(changelog, taskCount, config)
    }
  }
  // Output and dead-letter topics the topology writes: created when missing, with the widest source count.
  const widest = Math.max(1, ...counts.values(), ...writerCount.values())
  const internal = new Set(topology.internalTopics.map((topic) => topic.name))
  const extra = options.deadLetterTopic === undefined ? options.extraTopics : [...options.extraTopics, options.deadLetterTopic]
  const outputs = [...new Set([...topology.subtopologies.flatMap((sub) => sub.sinkTopics), ...extra])].filter((topic) => !internal.has(topic))
  for (const topic of outputs) {
    if (existing.has(topic)) continue
    // A dead letter is a source record, raw: the topic must take the largest one the sources take.
    const config = topic === options.deadLetterTopic ? sourceSized : {}
    toCreate.push({ name: topic, partitions: widest, replicationFactor: options.replicationFactor, config })
  }
  // Existing ones too need their real partition counts (custom partitioners, key partitioning).
  const existingOutputs = outputs.filter((topic) => existing.has(topic) && !counts.has(topic))
  if (existingOutputs.length > 0) {
    for (const [topic, count] of await admin.partitionCounts(existingOutputs)) counts.set(topic, count)
  }

  await admin.createTopics(toCreate)
  for (const topic of toCreate) counts.set(topic.name, topic.partitions ?? 1)
  return counts

  function checkOrCreate(topic: string, partitions: number, config: Record<string, string>): void {
    const current = counts.get(topic)
    if (current !== undefined) {
      if (current !== partitions) throw new TopologyError(`Internal topic ${topic} has ${current} partitions but needs ${partitions}; run "sluice reset" to recreate it`)
      return
    }
    toCreate.push({ name: topic, partitions, replicationFactor: options.replicationFactor, config })
    counts.set(topic, partitions)
  }
}
