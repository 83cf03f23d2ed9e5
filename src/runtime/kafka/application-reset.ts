import { createKafkaClient } from './create-kafka-client.js'
import { checkDeletable } from '../../state/safe-delete.js'
import { applicationDirectory } from '../../state/state-directory.js'
import type { Topology } from '../../topology/topology.js'
import { TaskManager } from './task-manager.js'

/**
 * Makes the application start over: committed offsets of its source topics go back to the
 * earliest, its internal topics are deleted (recreated on the next start), its local state
 * is removed. The application must be stopped (the group must have no members).
 */
export async function resetApplication(topology: Topology, options: { brokers: string[]; stateDir: string; log: (message: string) => void }): Promise<void> {
  // Refused before anything changes: a state directory that is not Sluice's stops the whole reset.
  await checkDeletable(options.stateDir, applicationDirectory(options.stateDir, topology.applicationId))
  const admin = createKafkaClient({ clientId: `${topology.applicationId}-reset`, brokers: options.brokers }).admin()
  await admin.connect()
  try {
    const group = await admin.describeGroup(topology.applicationId)
    if (group.members > 0) {
      throw new Error(`The application "${topology.applicationId}" still has ${group.members} running member(s); stop them before a reset`)
    }
    const existing = new Set(await admin.listTopics())
    for (const topic of topology.externalSourceTopics.filter((name) => existing.has(name))) {
      await admin.resetOffsetsToEarliest(topology.applicationId, topic)
      options.log(`offsets of ${topic} reset to earliest`)
    }
    const internal = topology.internalTopics.map((topic) => topic.name).filter((name) => existing.has(name))
    if (internal.length > 0) {
      // Offsets the group committed on them linger, but point past the end of the recreated
      // topics, so the consumer falls back to their beginning.
      await admin.deleteTopics(internal)
      options.log(`deleted internal topics: ${internal.join(', ')}`)
    }
    await TaskManager.wipeState(options.stateDir, topology.applicationId)
    options.log(`deleted local state ${options.stateDir}/${topology.applicationId}`)
  } finally {
    await admin.close()
  }
}
