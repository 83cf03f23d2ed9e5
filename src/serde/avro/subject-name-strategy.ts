/**
 * How the registry subject of a schema is named, as Confluent's serializers do:
 * - `topic` (TopicNameStrategy, the default): `<topic>-key` or `<topic>-value`, one schema
 *   lineage per topic;
 * - `record` (RecordNameStrategy): the record's full name, shared by every topic carrying it;
 * - `topic-record` (TopicRecordNameStrategy): `<topic>-<record full name>`.
 */
export type SubjectNameStrategy = 'topic' | 'record' | 'topic-record'

export function subjectName(strategy: SubjectNameStrategy, topic: string, part: 'key' | 'value', recordName: string | undefined): string {
  if (strategy === 'topic') return `${topic}-${part}`
  if (recordName === undefined) throw new Error(`subject name strategy "${strategy}" needs a named schema (a record, enum or fixed)`)
  return strategy === 'record' ? recordName : `${topic}-${recordName}`
}
