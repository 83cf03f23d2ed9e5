// Final results of one side and the differences between the two sides' (see FinalResults).
import type { KafkaMessage } from 'sluice-kafkajs'
import type { ConformanceCase, Difference, OutputRecord } from './case.js'

export function decode(conformanceCase: ConformanceCase, messages: readonly { message: KafkaMessage }[]): OutputRecord[] {
  return messages.map(({ message }) => {
    if (message.key === null) throw new Error(`an output record without a key (case ${conformanceCase.name})`)
    const bytes = message.value
    if (bytes !== null && conformanceCase.values === 'long' && bytes.length !== 8) throw new Error(`a long value of ${bytes.length} bytes (case ${conformanceCase.name})`)
    const value = bytes === null ? null : conformanceCase.values === 'long' ? String(bytes.readBigInt64BE(0)) : bytes.toString('utf8')
    return { key: message.key.toString('utf8'), value, timestamp: Number(message.timestamp) }
  })
}

/** The final results, grouped by what identifies a result: a key's last record, or each distinct record with all its copies. */
export function finalResults(conformanceCase: ConformanceCase, records: readonly OutputRecord[]): Map<string, OutputRecord[]> {
  const results = new Map<string, OutputRecord[]>()
  const comparable = (record: OutputRecord): OutputRecord => (conformanceCase.compareTimestamps ? record : { ...record, timestamp: 0 })
  if (conformanceCase.results === 'latest-per-key') {
    // Records of one key come through one partition, in order: the last one read is the latest.
    for (const record of records) {
      if (record.value === null) results.delete(record.key)
      else results.set(record.key, [comparable(record)])
    }
  } else {
    for (const record of records) {
      const id = JSON.stringify([record.key, record.value, conformanceCase.compareTimestamps ? record.timestamp : 0])
      results.set(id, [...(results.get(id) ?? []), comparable(record)])
    }
  }
  return results
}

function same(a: readonly OutputRecord[], b: readonly OutputRecord[]): boolean {
  return a.length === b.length && a.every((record, i) => record.key === b[i].key && record.value === b[i].value && record.timestamp === b[i].timestamp)
}

export function differences(sluice: Map<string, OutputRecord[]>, kafkaStreams: Map<string, OutputRecord[]>): Difference[] {
  const ids = [...new Set([...sluice.keys(), ...kafkaStreams.keys()])].sort()
  const out: Difference[] = []
  for (const id of ids) {
    const ours = sluice.get(id) ?? []
    const theirs = kafkaStreams.get(id) ?? []
    if (!same(ours, theirs)) out.push({ id, sluice: ours, kafkaStreams: theirs })
  }
  return out
}

/** How many results a side has (copies counted). */
export function resultCount(results: Map<string, OutputRecord[]>): number {
  let count = 0
  for (const records of results.values()) count += records.length
  return count
}

export function describeDifference(difference: Difference): string {
  const show = (records: readonly OutputRecord[]): string => (records.length === 0 ? 'nothing' : records.length === 1 ? `${records[0].value} @${records[0].timestamp}` : `${records.length} x ${records[0].value} @${records[0].timestamp}`)
  const key = difference.sluice[0]?.key ?? difference.kafkaStreams[0]?.key ?? difference.id
  return `${key}: sluice ${show(difference.sluice)}, kafka-streams ${show(difference.kafkaStreams)}`
}
