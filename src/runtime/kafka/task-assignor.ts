import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { AssignerProtocol, type Assigner, type Cluster } from 'sluice-kafkajs'
import { compareTaskIds, TaskId } from '../../base/task-id.js'
import type { Topology } from '../../topology/topology.js'

const NAME = 'SluiceTaskAssignor'
const VERSION = 1

/**
 * Assigns whole tasks, not single partitions: partition p of every source topic of a
 * sub-topology goes to the same member (co-partitioning, needed by joins and merges). Each
 * member reports the tasks it holds so that a rebalance keeps tasks where their state is.
 */
export function taskAssignor(topology: Topology, currentTasks: () => readonly string[]): (config: { cluster: Cluster }) => Assigner {
  return ({ cluster }) => ({
    name: NAME,
    version: VERSION,
    protocol: ({ topics }) => ({
      name: NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.from(JSON.stringify(currentTasks())) }),
    }),
    assign: async ({ members, topics }) => {
      const tasks = new Map<string, { topic: string; partition: number }[]>()
      for (const topic of topics) {
        const subtopology = topology.subtopologyOf(topic)
        if (!subtopology) continue
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const id = new TaskId(subtopology.id, partitionId).format()
          tasks.set(id, [...(tasks.get(id) ?? []), { topic, partition: partitionId }])
        }
      }
      const memberIds = members.map((member) => member.memberId).sort()
      const previous = new Map<string, string[]>()
      for (const member of members) {
        const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata)
        try {
          previous.set(member.memberId, JSON.parse(metadata?.userData.toString() || '[]') as string[])
        } catch {
          previous.set(member.memberId, [])
        }
      }
      const owner = assignTasks([...tasks.keys()], memberIds, previous)
      return memberIds.map((memberId) => {
        // Null prototype: `__proto__` and `constructor` are legal topic names.
        const assignment: { [topic: string]: number[] } = Object.create(null)
        for (const [taskId, member] of owner) {
          if (member !== memberId) continue
          for (const { topic, partition } of tasks.get(taskId) ?? []) (assignment[topic] ??= []).push(partition)
        }
        return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData: Buffer.alloc(0) }) }
      })
    },
  })
}

/** Balanced (no member more than one task above another), keeping previous owners where possible. */
export function assignTasks(taskIds: readonly string[], memberIds: readonly string[], previous: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const owner = new Map<string, string>()
  if (memberIds.length === 0) return owner
  const capacity = Math.ceil(taskIds.length / memberIds.length)
  const load = new Map(memberIds.map((member) => [member, 0]))
  const known = new Set(taskIds)
  for (const member of memberIds) {
    for (const task of previous.get(member) ?? []) {
      if (!known.has(task) || owner.has(task) || (load.get(member) ?? 0) >= capacity) continue
      owner.set(task, member)
      load.set(member, (load.get(member) ?? 0) + 1)
    }
  }
  for (const task of [...taskIds].sort(compareTaskIds)) {
    if (owner.has(task)) continue
    const member = [...memberIds].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || (a < b ? -1 : 1))[0]
    owner.set(task, member)
    load.set(member, (load.get(member) ?? 0) + 1)
  }
  return owner
}
