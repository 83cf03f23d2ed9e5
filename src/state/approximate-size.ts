/**
 * A cheap estimate of the memory a deserialized value holds, for caches bounded in bytes where
 * the value's serialized size is not known yet. Numbers, booleans: 8; strings: their length
 * (V8's one-byte strings; two-byte ones take twice that) plus a header; Buffers and typed
 * arrays: their length; arrays and plain objects: a header plus their property names and
 * values, looked at down to a few levels and a few hundred properties (an array's unvisited
 * items count as its visited ones did on average, any other unvisited part as
 * UNVISITED_ESTIMATE_BYTES). Not exact: it keeps a cache of large
 * values from growing without bound, at the cost of a short walk once per value.
 */
export function approximateBytes(value: unknown): number {
  const budget = { nodes: MAX_NODES }
  return sizeOf(value, 0, budget)
}

const MAX_DEPTH = 4
const MAX_NODES = 256
const OBJECT_HEADER_BYTES = 32
const STRING_HEADER_BYTES = 16
const UNVISITED_ESTIMATE_BYTES = 64

function sizeOf(value: unknown, depth: number, budget: { nodes: number }): number {
  switch (typeof value) {
    case 'string':
      return STRING_HEADER_BYTES + value.length
    case 'number':
    case 'boolean':
      return 8
    case 'bigint':
      return 16
    case 'undefined':
      return 0
    case 'object':
      break
    default:
      return UNVISITED_ESTIMATE_BYTES
  }
  if (value === null) return 0
  if (ArrayBuffer.isView(value)) return OBJECT_HEADER_BYTES + value.byteLength
  if (depth >= MAX_DEPTH || --budget.nodes < 0) return UNVISITED_ESTIMATE_BYTES
  let bytes = OBJECT_HEADER_BYTES
  if (Array.isArray(value)) {
    const items = value as unknown[]
    for (let index = 0; index < items.length; index++) {
      // Past the budget, the rest count as the items seen so far did on average.
      if (--budget.nodes < 0) return bytes + ((bytes - OBJECT_HEADER_BYTES) / Math.max(1, index)) * (items.length - index)
      bytes += 8 + sizeOf(items[index], depth + 1, budget)
    }
    return bytes
  }
  for (const key in value) {
    if (--budget.nodes < 0) return bytes + UNVISITED_ESTIMATE_BYTES
    bytes += key.length + 8 + sizeOf((value as { [key: string]: unknown })[key], depth + 1, budget)
  }
  return bytes
}
