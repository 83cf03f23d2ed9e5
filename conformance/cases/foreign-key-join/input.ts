// Orders and products, two tables on different partition counts: orders whose product changes
// (A to B), goes to none, names a product never written or deleted, orders deleted; products
// updated (every order naming one sees it) and deleted. A foreign-key join's final row per order
// depends only on both tables' final rows, whatever the interleaving, so one phase is enough.
// Both tables are partitioned as the default partitioner would: the join's subscriptions and
// answers go where it puts the keys.
import type { InputPhase, InputRecord } from '../../case.js'
import { defaultPartition } from '../../partitioning.js'
import { Random } from '../../random.js'
import { BASE_TIME } from '../../timelines.js'

const ORDER_PARTITIONS = 3
const PRODUCT_PARTITIONS = 2
const ORDERS = 60
const PRODUCTS = 25
const ORDER_UPDATES = 700
const PRODUCT_UPDATES = 300

export function foreignKeyJoinInput(seed: number): InputPhase[] {
  const random = new Random(seed)
  const records: InputRecord[] = []
  let time = BASE_TIME
  const products: InputRecord[] = []
  for (let i = 0; i < PRODUCT_UPDATES; i++) {
    const index = random.int(0, PRODUCTS - 1)
    time += random.int(0, 40)
    products.push({ input: 'products', key: `g${index}`, value: random.chance(0.12) ? null : `product${i}`, timestamp: time, partition: defaultPartition(`g${index}`, PRODUCT_PARTITIONS) })
  }
  time = BASE_TIME
  for (let i = 0; i < ORDER_UPDATES; i++) {
    const index = random.int(0, ORDERS - 1)
    time += random.int(0, 20)
    // Mostly a product that exists, now and then one never written (g25..g27) or none.
    const product = random.chance(0.08) ? 'none' : `g${random.int(0, PRODUCTS + 2)}`
    records.push({ input: 'orders', key: `o${index}`, value: random.chance(0.1) ? null : `${random.int(1, 9)}:${product}`, timestamp: time, partition: defaultPartition(`o${index}`, ORDER_PARTITIONS) })
  }
  return [[...products, ...records]]
}
