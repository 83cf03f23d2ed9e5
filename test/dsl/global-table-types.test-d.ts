import { describe, expectTypeOf, test } from 'vitest'
import { serdes, StreamsBuilder, type GlobalKTable, type KStream } from 'sluice'

interface Order {
  productId: number
  qty: number
}
interface Product {
  name: string
}

const builder = new StreamsBuilder('global-join-types')
const orders = builder.stream('orders', { key: serdes.string(), value: serdes.json<Order>() })
const products = builder.globalTable('products', { key: serdes.long(), value: serdes.json<Product>() })

describe('stream-global table joins are typed end to end', () => {
  test('globalTable() carries the serdes types', () => {
    expectTypeOf(products).toEqualTypeOf<GlobalKTable<number, Product>>()
    expectTypeOf(products.queryableStoreName()).toEqualTypeOf<string>()
  })

  test('join: the selector gets the stream record and returns the table key; the joiner gets a value', () => {
    const joined = orders.join(
      products,
      (key, order) => {
        expectTypeOf(key).toEqualTypeOf<string>()
        expectTypeOf(order).toEqualTypeOf<Order>()
        return order.productId
      },
      (order, product, key) => {
        expectTypeOf(order).toEqualTypeOf<Order>()
        expectTypeOf(product).toEqualTypeOf<Product>()
        expectTypeOf(key).toEqualTypeOf<string>()
        return `${order.qty}x${product.name}`
      },
    )
    expectTypeOf(joined).toEqualTypeOf<KStream<string, string>>()
    // A null selected key is allowed (the record is dropped).
    orders.join(products, () => null, (order) => order.qty)
    // @ts-expect-error the selector must return the table's key type
    orders.join(products, (key) => key, (order) => order.qty)
  })

  test('leftJoin: the table value may be undefined', () => {
    const joined = orders.leftJoin(
      products,
      (_key, order) => order.productId,
      (order, product) => {
        expectTypeOf(product).toEqualTypeOf<Product | undefined>()
        return product?.name ?? 'unknown'
      },
    )
    expectTypeOf(joined).toEqualTypeOf<KStream<string, string>>()
  })
})
