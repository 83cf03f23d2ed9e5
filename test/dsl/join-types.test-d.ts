import { describe, expectTypeOf, test } from 'vitest'
import { JoinWindows, serdes, StreamsBuilder, type KGroupedTable, type KStream, type KTable } from 'sluice'

interface Click {
  page: string
}
interface View {
  seconds: number
}

const builder = new StreamsBuilder('join-types')
const clicks = builder.stream('clicks', { key: serdes.string(), value: serdes.json<Click>() })
const views = builder.stream('views', { key: serdes.string(), value: serdes.json<View>() })
const users = builder.table('users', { key: serdes.string(), value: serdes.json<{ name: string }>() })
const windows = JoinWindows.ofTimeDifferenceAndGrace('1m', '10s')

describe('joins are typed end to end', () => {
  test('stream-stream joins: the missing side is undefined only where it can be', () => {
    const inner = clicks.join(
      views,
      (click, view, key) => {
        expectTypeOf(click).toEqualTypeOf<Click>()
        expectTypeOf(view).toEqualTypeOf<View>()
        expectTypeOf(key).toEqualTypeOf<string>()
        return view.seconds
      },
      windows,
    )
    expectTypeOf(inner).toEqualTypeOf<KStream<string, number>>()
    clicks.leftJoin(
      views,
      (click, view) => {
        expectTypeOf(click).toEqualTypeOf<Click>()
        expectTypeOf(view).toEqualTypeOf<View | undefined>()
        return click.page
      },
      windows,
    )
    clicks.outerJoin(
      views,
      (click, view) => {
        expectTypeOf(click).toEqualTypeOf<Click | undefined>()
        expectTypeOf(view).toEqualTypeOf<View | undefined>()
        return 1
      },
      windows,
    )
    // @ts-expect-error the other stream's key type must match
    clicks.join(builder.stream('n', { key: serdes.long(), value: serdes.string() }), () => 1, windows)
    // @ts-expect-error the other value serde must have the other stream's type
    clicks.join(views, () => 1, windows, { otherValue: serdes.string() })
  })

  test('stream-table joins keep their signature', () => {
    expectTypeOf(clicks.join(users, (click, user) => `${click.page}${user.name}`)).toEqualTypeOf<KStream<string, string>>()
    clicks.leftJoin(users, (_click, user) => expectTypeOf(user).toEqualTypeOf<{ name: string } | undefined>())
  })

  test('table operations, table-table joins and groupBy', () => {
    expectTypeOf(users.filter((_key, user) => user.name !== '')).toEqualTypeOf<KTable<string, { name: string }>>()
    expectTypeOf(users.mapValues((user) => user.name.length)).toEqualTypeOf<KTable<string, number>>()
    const counts = clicks.groupByKey().count()
    expectTypeOf(users.join(counts, (user, count) => `${user.name}:${count}`)).toEqualTypeOf<KTable<string, string>>()
    users.leftJoin(counts, (_user, count) => expectTypeOf(count).toEqualTypeOf<number | undefined>())
    users.outerJoin(counts, (user) => expectTypeOf(user).toEqualTypeOf<{ name: string } | undefined>())
    const grouped = users.groupBy((_key, user) => [user.name.length, user.name] as const, { key: serdes.long(), value: serdes.string() })
    expectTypeOf(grouped).toEqualTypeOf<KGroupedTable<number, string>>()
    expectTypeOf(grouped.count()).toEqualTypeOf<KTable<number, number>>()
    expectTypeOf(grouped.aggregate(() => [] as string[], (_key, name, names) => [...names, name], (_key, name, names) => names.filter((n) => n !== name), { value: serdes.json<string[]>() })).toEqualTypeOf<
      KTable<number, string[]>
    >()
    // @ts-expect-error groupBy needs the new value's serde
    users.groupBy((_key, user) => [user.name, user] as const, { key: serdes.string() })
  })
})
