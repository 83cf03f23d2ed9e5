/**
 * The Confluent wire format shared by every Confluent-compatible serializer: a magic byte 0,
 * the writer schema's registry id as a 4-byte big-endian integer, then the Avro binary body.
 */
export const MAGIC_BYTE = 0
export const HEADER_LENGTH = 5

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH)
  header.writeUInt8(MAGIC_BYTE, 0)
  header.writeUInt32BE(schemaId, 1)
  return Buffer.concat([header, body])
}

/** The schema id of a framed payload; throws a clear reason when the bytes are not one. */
export function schemaIdOf(data: Buffer): number {
  if (data.length < HEADER_LENGTH) {
    throw new Error(`payload of ${data.length} byte(s) is too short for the Confluent wire format (magic byte and 4-byte schema id, then the Avro body)`)
  }
  const magic = data.readUInt8(0)
  if (magic !== MAGIC_BYTE) {
    throw new Error(`unknown magic byte ${magic} (expected ${MAGIC_BYTE}, the Confluent wire format): the record was not written by a schema-registry Avro serializer`)
  }
  return data.readUInt32BE(1)
}

/** The schema id, or undefined when the bytes are not framed (they fail later, in deserialize). */
export function peekSchemaId(data: Buffer | null): number | undefined {
  if (data === null || data.length < HEADER_LENGTH || data.readUInt8(0) !== MAGIC_BYTE) return undefined
  return data.readUInt32BE(1)
}

export function bodyOf(data: Buffer): Buffer {
  return data.subarray(HEADER_LENGTH)
}
