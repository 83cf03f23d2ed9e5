import './kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Admin, ConfigResourceTypes } from 'sluice-kafkajs'
import type { AdminClient, GroupDescription, NewTopic, PartitionOffset } from '../client/admin-client.js'

/** ConfigResourceTypes.TOPIC: kafkajs's enum is not among the names its CommonJS module gives ESM. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes

/** The admin client on kafkajs. */
export class KafkajsAdmin implements AdminClient {
  constructor(private readonly admin: Admin) {}

  async connect(): Promise<void> {
    await this.admin.connect()
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined)
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics()
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    if (topics.length === 0) return counts
    for (const topic of (await this.admin.fetchTopicMetadata({ topics: [...topics] })).topics) counts.set(topic.name, topic.partitions.length)
    return counts
  }

  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    if (topics.length === 0) return
    await this.admin.createTopics({
      topics: topics.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions ?? -1,
        replicationFactor: topic.replicationFactor ?? -1,
        configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
      waitForLeaders: true,
    })
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.admin.deleteTopics({ topics: [...topics] })
  }

  async topicConfigs(topics: readonly string[], names: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const configs = new Map<string, Map<string, string>>()
    if (topics.length === 0) return configs
    const { resources } = await this.admin.describeConfigs({
      resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [...names] })),
      includeSynonyms: false,
    })
    for (const resource of resources) {
      configs.set(resource.resourceName, new Map(resource.configEntries.map((entry) => [entry.configName, entry.configValue])))
    }
    return configs
  }

  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsets(topic)
    return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]))
  }

  async committedOffsets(groupId: string, topics?: readonly string[]): Promise<PartitionOffset[]> {
    if (topics?.length === 0) return []
    const fetched = await this.admin.fetchOffsets(topics === undefined ? { groupId } : { groupId, topics: [...topics] })
    // kafkajs says "-1" for a partition the group has no offset for.
    return fetched.flatMap(({ topic, partitions }) => partitions.filter((entry) => Number(entry.offset) >= 0).map((entry) => ({ topic, partition: entry.partition, offset: BigInt(entry.offset) })))
  }

  async deleteRecordsBefore(topic: string, offsets: readonly { partition: number; offset: bigint }[]): Promise<void> {
    if (offsets.length === 0) return
    // kafkajs finds partition leaders in its metadata cache only: load the topic into it.
    await this.admin.fetchTopicMetadata({ topics: [topic] })
    await this.admin.deleteTopicRecords({ topic, partitions: offsets.map(({ partition, offset }) => ({ partition, offset: offset.toString() })) })
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const group = (await this.admin.describeGroups([groupId])).groups[0]
    return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0 }
  }

  async resetOffsetsToEarliest(groupId: string, topic: string): Promise<void> {
    await this.admin.resetOffsets({ groupId, topic, earliest: true })
  }
}
