// A foreign-key join of tables: orders "<quantity>:<product>" (or "<quantity>:none") with the
// products table they name; the result, keyed by the order, is "<order>*<product or ->".
import { defineTopology, serdes } from 'sluice'
import type { CaseNames } from '../../case.js'

export type ForeignKeyJoinKind = 'inner' | 'left'

/** The product an order names, or null for "none". */
export function productOf(order: string | null): string | null {
  if (order === null) return null
  const product = order.slice(order.indexOf(':') + 1)
  return product === 'none' ? null : product
}

export function foreignKeyJoin(kind: ForeignKeyJoinKind) {
  return (names: CaseNames) =>
    defineTopology({ applicationId: names.applicationId }, (b) => {
      const S = serdes.string()
      const nullable = serdes.nullable(S)
      const orders = b.table(names.inputs.orders, { key: S, value: S, store: 'orders' })
      const products = b.table(names.inputs.products, { key: S, value: S, store: 'products' })
      const joiner = (order: string, product: string | undefined): string => `${order}*${product ?? '-'}`
      const joined = kind === 'inner' ? orders.join(products, productOf, joiner, { value: nullable }) : orders.leftJoin(products, productOf, joiner, { value: nullable })
      joined.toStream().to(names.output, { key: S, value: nullable })
    })
}
