// sluice/avro: Avro serdes through a schema registry (Confluent wire format) and schema-evolution checks.

export { avroSerde, type AvroSchemaInput, type AvroSerde, type AvroSerdeOptions } from './serde/avro/avro-serde.js'
export type { SubjectNameStrategy } from './serde/avro/subject-name-strategy.js'
export { COMPATIBILITY_LEVELS, incompatibilities, type CompatibilityLevel, type PreviousSchema } from './serde/avro/compatibility.js'
export { checkTopologySchemas, folderHistory, registryHistory, SchemaCompatibilityError, topologyHistory, type SchemaHistorySource, type SubjectCheck, type SubjectHistory } from './topology/schema-check.js'
export type { AvroSerdeInfo } from './serde/avro/avro-serde.js'
export type { RegistryClient, SubjectVersion } from './serde/avro/registry-client.js'
export type { AvroSubjectUse } from './topology/topology-schemas.js'
