// A stream joined with a global table by a key taken from each record's value: orders
// "<id>:<product>" (or "<id>:none", no product) looked up in the products table.
import { defineTopology, serdes } from 'sluice'
import type { CaseNames } from '../../case.js'

export type GlobalJoinKind = 'inner' | 'left'

/** The product an order names, or null for "none". */
export function productOf(order: string): string | null {
  const product = order.slice(order.indexOf(':') + 1)
  return product === 'none' ? null : product
}

export function streamGlobalJoin(kind: GlobalJoinKind) {
  return (names: CaseNames) =>
    defineTopology({ applicationId: names.applicationId }, (b) => {
      const S = serdes.string()
      const products = b.globalTable(names.inputs.products, { key: S, value: S, store: 'products' })
      const orders = b.stream(names.inputs.orders, { key: S, value: S })
      const joiner = (order: string, product: string | undefined): string => `${order}|${product ?? '-'}`
      const joined = kind === 'inner' ? orders.join(products, (_key, order) => productOf(order), joiner) : orders.leftJoin(products, (_key, order) => productOf(order), joiner)
      joined.to(names.output, { key: S, value: S })
    })
}
