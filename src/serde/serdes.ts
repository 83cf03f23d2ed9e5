import { avroSerde } from './avro/avro-serde.js'
import { bytesSerde } from './bytes.js'
import { debeziumKeySerde, debeziumSerde } from './debezium.js'
import { jsonSerde } from './json.js'
import { doubleSerde, intSerde, longSerde } from './numbers.js'
import { stringSerde } from './string.js'
import { windowedSerde } from './windowed.js'

/** The built-in serdes, as `serdes.string()`, `serdes.json<T>()`, … */
export const serdes = {
  string: stringSerde,
  bytes: bytesSerde,
  json: jsonSerde,
  long: longSerde,
  int: intSerde,
  double: doubleSerde,
  windowed: windowedSerde,
  /** Debezium change events (PostgreSQL, JSON converter), as DebeziumChange<T> | null; see debeziumSerde. */
  debezium: debeziumSerde,
  /** Debezium message keys: the primary-key struct's payload. */
  debeziumKey: debeziumKeySerde,
  /** Avro in the Confluent wire format through a schema registry; see avroSerde. */
  avro: avroSerde,
}
