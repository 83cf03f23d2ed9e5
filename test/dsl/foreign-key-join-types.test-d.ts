import { describe, expectTypeOf, test } from 'vitest'
import { serdes, StreamsBuilder, type KTable } from 'sluice'

interface Order {
  productId: number | null
  quantity: number
}
interface Product {
  name: string
}

const builder = new StreamsBuilder('fk-join-types')
const orders = builder.table('orders', { key: serdes.string(), value: serdes.json<Order>() })
const products = builder.table('products', { key: serdes.long(), value: serdes.json<Product>() })
const users = builder.table('users', { key: serdes.string(), value: serdes.json<{ name: string }>() })

describe('foreign-key joins are typed end to end', () => {
  test('the extractor sees the left value and key and returns the right key; the result is keyed by the left key', () => {
    const joined = orders.join(
      products,
      (order, key) => {
        expectTypeOf(order).toEqualTypeOf<Order>()
        expectTypeOf(key).toEqualTypeOf<string>()
        return order.productId
      },
      (order, product, key) => {
        expectTypeOf(order).toEqualTypeOf<Order>()
        expectTypeOf(product).toEqualTypeOf<Product>()
        expectTypeOf(key).toEqualTypeOf<string>()
        return { name: product.name, quantity: order.quantity }
      },
    )
    expectTypeOf(joined).toEqualTypeOf<KTable<string, { name: string; quantity: number }>>()
  })

  test('a left join sees the right value as possibly undefined', () => {
    const joined = orders.leftJoin(
      products,
      (order) => order.productId,
      (order, product) => {
        expectTypeOf(product).toEqualTypeOf<Product | undefined>()
        return product?.name ?? `${order.quantity}`
      },
      { store: 'order-products', value: serdes.string(), foreignKey: serdes.long() },
    )
    expectTypeOf(joined).toEqualTypeOf<KTable<string, string>>()
  })

  test('a foreign-key join may also join tables of one key type; the key-to-key joins keep their signature', () => {
    expectTypeOf(orders.join(users, (order) => String(order.productId), (order, user) => `${user.name}${order.quantity}`)).toEqualTypeOf<KTable<string, string>>()
    expectTypeOf(orders.join(users, (order, user) => `${user.name}${order.quantity}`, { value: serdes.string() })).toEqualTypeOf<KTable<string, string>>()
    orders.leftJoin(users, (_order, user) => expectTypeOf(user).toEqualTypeOf<{ name: string } | undefined>())
  })

  test('mistakes are compile errors', () => {
    // @ts-expect-error the extractor must return the other table's key type
    orders.join(products, (order) => `${order.productId}`, () => 1)
    // @ts-expect-error the foreign key serde must have the other table's key type
    orders.join(products, (order) => order.productId, () => 1, { foreignKey: serdes.string() })
    // @ts-expect-error the result serde must have the joiner's type
    orders.join(products, (order) => order.productId, () => 1, { value: serdes.string() })
    // @ts-expect-error a key-to-key join needs the other table keyed as this one
    orders.join(products, (order: Order, product: Product) => order.quantity + product.name.length)
  })
})
