/**
 * A task: one sub-topology over one partition of its source topics (Kafka Streams' TaskId).
 *
 * Its string form is `<subtopology>_<partition>`, e.g. `0_3`: the name of the task's state
 * directory (state/<applicationId>/0_3/<store>), and what logs, the query server, `sluice store`,
 * the assignor's member metadata and ProcessorContext.taskId show. Both parts are written in
 * decimal without leading zeros, so one task has exactly one string form.
 */
export class TaskId {
  readonly subtopology: number
  readonly partition: number

  constructor(subtopology: number, partition: number) {
    if (!isPart(subtopology) || !isPart(partition)) throw new Error(`a task id needs a sub-topology and a partition that are non-negative integers, got ${subtopology} and ${partition}`)
    this.subtopology = subtopology
    this.partition = partition
  }

  /** The task id a string form names; throws, naming the string, on anything else. */
  static parse(text: string): TaskId {
    const id = TaskId.tryParse(text)
    if (id === undefined) throw new Error(`malformed task id ${JSON.stringify(text)}: expected <subtopology>_<partition>, two non-negative integers such as "0_3"`)
    return id
  }

  /** The task id a string form names, or undefined when it names none (another directory's name, say). */
  static tryParse(text: string): TaskId | undefined {
    const match = typeof text === 'string' ? FORM.exec(text) : null
    if (!match) return undefined
    const subtopology = Number(match[1])
    const partition = Number(match[2])
    return isPart(subtopology) && isPart(partition) ? new TaskId(subtopology, partition) : undefined
  }

  /** Task order: by sub-topology, then partition, both numerically (0_2 before 0_10 before 1_0). */
  static compare(a: TaskId, b: TaskId): number {
    return a.subtopology - b.subtopology || a.partition - b.partition
  }

  /** `<subtopology>_<partition>` */
  format(): string {
    return `${this.subtopology}_${this.partition}`
  }

  toString(): string {
    return this.format()
  }

  equals(other: TaskId): boolean {
    return this.subtopology === other.subtopology && this.partition === other.partition
  }
}

/** String forms of task ids in task order (see TaskId.compare); throws on a malformed one. */
export function compareTaskIds(a: string, b: string): number {
  return TaskId.compare(TaskId.parse(a), TaskId.parse(b))
}

const FORM = /^(0|[1-9]\d*)_(0|[1-9]\d*)$/

function isPart(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}
