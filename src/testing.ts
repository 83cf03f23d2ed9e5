// sluice/testing: the in-process test driver and the schema-upgrade helper, for users' unit tests.

export { TopologyTestDriver, type TestDriverOptions } from './testing/topology-test-driver.js'
export { TestInputTopic, TestOutputTopic, type RawTestRecord, type TestRecord } from './testing/test-topics.js'
export { testSchemaUpgrade, type OldRecordWriter, type SchemaUpgradeResult, type SchemaUpgradeTest, type UpgradeStart } from './testing/schema-upgrade-test.js'
export type { InputSink } from './testing/test-topics.js'
export type { OutgoingRecord } from './runtime/wire-records.js'
