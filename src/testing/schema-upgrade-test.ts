import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OutgoingRecord } from '../runtime/wire-records.js'
import type { CompatibilityLevel } from '../serde/avro/compatibility.js'
import { checkTopologySchemas, SchemaCompatibilityError, topologyHistory, type SubjectCheck } from '../topology/schema-check.js'
import { RegistryClient } from '../serde/avro/registry-client.js'
import { bytesSerde } from '../serde/bytes.js'
import type { Serde } from '../serde/serde.js'
import type { Topology } from '../topology/topology.js'
import type { RawTestRecord, TestRecord } from './test-topics.js'
import { TopologyTestDriver, type TestDriverOptions } from './topology-test-driver.js'
import { deleteTemporaryDirectory } from '../state/safe-delete.js'

/** Writes records with the old schemas to a topic, unprocessed: the upgraded topology reads them. */
export type OldRecordWriter = <K, V>(topic: string, key: Serde<K>, value: Serde<V>, records: Iterable<TestRecord<K, V>>) => Promise<void>

/** How the upgraded topology starts: on the old local stores, or on empty ones restored from the old changelogs. */
export type UpgradeStart = 'restarted' | 'restored'

export interface SchemaUpgradeTest {
  /** The topology as deployed (old schemas). */
  before: Topology
  /** The upgraded topology (new schemas), same application id and topics. */
  after: Topology
  /** The level every Avro subject must meet, checked locally first (default BACKWARD). */
  compatibility?: CompatibilityLevel
  /** Feeds the old topology; what it processes leaves old-schema bytes in its stores and changelogs. */
  processedBefore: (driver: TopologyTestDriver) => Promise<void>
  /** Records produced with the old schemas but still unread at the upgrade; both upgraded starts read them first. */
  pendingAtUpgrade?: (write: OldRecordWriter) => Promise<void>
  /** Assertions on the upgraded topology; runs once per start. */
  verify: (driver: TopologyTestDriver, start: UpgradeStart) => Promise<void>
  /** Further driver options (not stateDir or restoreChangelogs, which the test sets). */
  driver?: Omit<TestDriverOptions, 'stateDir' | 'restoreChangelogs'>
}

export interface SchemaUpgradeResult {
  readonly checks: readonly SubjectCheck[]
  /** Changelog records the old topology wrote, per changelog topic (what the 'restored' start replayed). */
  readonly changelogRecords: ReadonlyMap<string, number>
}

/**
 * Tests a schema upgrade of a topology the way it happens in production, on the real
 * registry: the old topology processes records and stops cleanly, so its LevelDB stores and
 * changelogs hold bytes written with the old schemas. Then the upgraded topology starts
 * twice: 'restarted' on the same state directory (old store values), and 'restored' on an
 * empty one restored from the old changelog records; each starts with no schema cached
 * (as a new process) and first reads the pending old
 * records, then `verify` runs. An upgrade that breaks the compatibility level is refused
 * before anything runs, with a SchemaCompatibilityError that explains each incompatibility.
 */
export async function testSchemaUpgrade(test: SchemaUpgradeTest): Promise<SchemaUpgradeResult> {
  const checks = await checkTopologySchemas(test.after, topologyHistory(test.before, 'the old topology'), { compatibility: test.compatibility ?? 'BACKWARD' })
  if (checks.some((check) => check.problems.length > 0)) throw new SchemaCompatibilityError(checks)

  const directories: string[] = []
  const tempDir = async (): Promise<string> => {
    const directory = await mkdtemp(join(tmpdir(), 'sluice-upgrade-'))
    directories.push(directory)
    return directory
  }
  try {
    const stateDir = await tempDir()
    const old = await TopologyTestDriver.create(test.before, { ...test.driver, stateDir })
    try {
      await test.processedBefore(old)
    } finally {
      // Closing commits: the stores' caches go to LevelDB and the changelogs.
      await old.close()
    }
    const changelogs: { [topic: string]: readonly OutgoingRecord[] } = {}
    for (const topic of test.before.internalTopics) if (topic.kind === 'changelog') changelogs[topic.name] = old.topicContents(topic.name)

    const pending = new Map<string, RawTestRecord[]>()
    await test.pendingAtUpgrade?.(async (topic, key, value, records) => {
      await key.prepare?.(topic, [])
      await value.prepare?.(topic, [])
      const raw = pending.get(topic) ?? []
      for (const record of records) {
        raw.push({ key: key.serialize(topic, record.key, record.headers), value: value.serialize(topic, record.value, record.headers), timestamp: record.timestamp, headers: record.headers })
      }
      pending.set(topic, raw)
    })

    const starts: [UpgradeStart, TestDriverOptions][] = [
      ['restarted', { ...test.driver, stateDir }],
      ['restored', { ...test.driver, stateDir: await tempDir(), restoreChangelogs: changelogs }],
    ]
    for (const [start, options] of starts) {
      // A restart is a new process: no schema is known until the runtime's prepare calls fetch it.
      RegistryClient.forgetSchemas()
      const upgraded = await TopologyTestDriver.create(test.after, options)
      try {
        for (const [topic, records] of pending) await upgraded.createInputTopic(topic, bytesSerde(), bytesSerde()).pipeRaw(records)
        await test.verify(upgraded, start)
      } finally {
        await upgraded.close()
      }
    }
    return { checks, changelogRecords: new Map(Object.entries(changelogs).map(([topic, records]) => [topic, records.length])) }
  } finally {
    for (const directory of directories) await deleteTemporaryDirectory(directory)
  }
}
