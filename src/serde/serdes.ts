import { bytesSerde } from './bytes.js'
import { jsonSerde } from './json.js'
import { nullableSerde } from './nullable.js'
import { doubleSerde, intSerde, longSerde } from './numbers.js'
import { stringSerde } from './string.js'
import { windowedSerde } from './windowed.js'

/** The built-in serdes, as `serdes.string()`, `serdes.json<T>()`, … (Avro: sluice/avro; Debezium: sluice/debezium). */
export const serdes = {
  string: stringSerde,
  bytes: bytesSerde,
  json: jsonSerde,
  long: longSerde,
  int: intSerde,
  double: doubleSerde,
  windowed: windowedSerde,
  nullable: nullableSerde,
}
