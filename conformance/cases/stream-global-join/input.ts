// A products table (inserts, updates, tombstones, on its own partition count) written before
// either application starts, so that both bootstrap all of it before processing anything; then
// orders naming products that exist, that were deleted, that never existed, or none. A global
// table's updates while running race with the stream in both systems (neither orders them), so
// they are not compared here: test/integration/global-table.kafka.test.ts covers them.
import type { InputPhase, InputRecord } from '../../case.js'
import { Random } from '../../random.js'
import { BASE_TIME } from '../../timelines.js'

const PRODUCT_PARTITIONS = 4
const ORDER_PARTITIONS = 3
const PRODUCTS = 40
const PRODUCT_UPDATES = 300
const ORDERS = 900

export function globalJoinInput(seed: number): InputPhase[] {
  const random = new Random(seed)
  const products: InputRecord[] = []
  let time = BASE_TIME
  for (let i = 0; i < PRODUCT_UPDATES; i++) {
    const key = `g${random.int(0, PRODUCTS - 1)}`
    time += random.int(0, 100)
    products.push({ input: 'products', key, value: random.chance(0.15) ? null : `product${i}`, timestamp: time, partition: Number(key.slice(1)) % PRODUCT_PARTITIONS })
  }
  const orders: InputRecord[] = []
  for (let i = 0; i < ORDERS; i++) {
    const partition = random.int(0, ORDER_PARTITIONS - 1)
    // Now and then a product that was never written (g40..g44), or no product at all.
    const product = random.chance(0.08) ? 'none' : `g${random.int(0, PRODUCTS + 4)}`
    time += random.int(0, 50)
    orders.push({ input: 'orders', key: `p${partition}-o${random.int(0, 99)}`, value: `o${i}:${product}`, timestamp: time, partition })
  }
  return [products, orders]
}
