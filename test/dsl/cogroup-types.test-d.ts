import { describe, expectTypeOf, test } from 'vitest'
import {
  serdes,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  TimeWindows,
  type CogroupedKStream,
  type KTable,
  type SessionWindowedCogroupedKStream,
  type SlidingWindowedCogroupedKStream,
  type TimeWindowedCogroupedKStream,
  type Windowed,
} from 'sluice'

interface Click {
  page: string
}
interface Purchase {
  amount: number
}
interface Activity {
  clicks: number
  spent: number
}

const builder = new StreamsBuilder('cogroup-types')
const clicks = builder.stream('clicks', { key: serdes.string(), value: serdes.json<Click>() }).groupByKey()
const purchases = builder.stream('purchases', { key: serdes.string(), value: serdes.json<Purchase>() }).groupByKey()
const activity = serdes.json<Activity>()
const none = (): Activity => ({ clicks: 0, spent: 0 })
const cogrouped = clicks.cogroup((_customer, _click, total: Activity) => ({ ...total, clicks: total.clicks + 1 })).cogroup(purchases, (_customer, purchase, total) => ({ ...total, spent: total.spent + purchase.amount }))

describe('cogroup is typed end to end', () => {
  test('each input’s aggregator sees that input’s values and the one aggregate type', () => {
    expectTypeOf(clicks.cogroup((_key, _click, total: number) => total + 1)).toEqualTypeOf<CogroupedKStream<string, number>>()
    expectTypeOf(cogrouped).toEqualTypeOf<CogroupedKStream<string, Activity>>()
    cogrouped.cogroup(purchases, (customer, purchase, total) => {
      expectTypeOf(customer).toEqualTypeOf<string>()
      expectTypeOf(purchase).toEqualTypeOf<Purchase>()
      expectTypeOf(total).toEqualTypeOf<Activity>()
      return total
    })
    expectTypeOf(cogrouped.aggregate(none, { value: activity })).toEqualTypeOf<KTable<string, Activity>>()
  })

  test('an aggregator of another input’s value type does not compile', () => {
    // @ts-expect-error purchases carry Purchase values, not Click ones
    cogrouped.cogroup(purchases, (_customer, click: Click, total) => ({ ...total, clicks: click.page.length }))
    // @ts-expect-error a Purchase has no page
    cogrouped.cogroup(purchases, (_customer, purchase, total) => ({ ...total, clicks: purchase.page }))
    // @ts-expect-error the first input's aggregator too: clicks have no amount
    clicks.cogroup((_customer, click, total: Activity) => ({ ...total, spent: click.amount }))
  })

  test('the aggregate type is one for all inputs, and keys must match', () => {
    // @ts-expect-error an aggregator must return the cogroup's aggregate type
    cogrouped.cogroup(purchases, (_customer, purchase) => purchase.amount)
    const byNumber = builder.stream('numbered', { key: serdes.long(), value: serdes.json<Purchase>() }).groupByKey()
    // @ts-expect-error a stream grouped by another key type cannot join the cogroup
    cogrouped.cogroup(byNumber, (_id, _purchase, total) => total)
    // @ts-expect-error the initializer makes the aggregate type
    cogrouped.aggregate(() => 0, { value: activity })
    // @ts-expect-error the store's serde is of the aggregate type
    cogrouped.aggregate(none, { value: serdes.long() })
  })

  test('windowed cogroups: tables keyed by window; sessions may hold tombstones', () => {
    const tumbling = cogrouped.windowedBy(TimeWindows.ofSize('1m').grace('10s'))
    expectTypeOf(tumbling).toEqualTypeOf<TimeWindowedCogroupedKStream<string, Activity>>()
    expectTypeOf(tumbling.aggregate(none, { value: activity, emit: 'final' })).toEqualTypeOf<KTable<Windowed<string>, Activity>>()

    const sessions = cogrouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace('5m'))
    expectTypeOf(sessions).toEqualTypeOf<SessionWindowedCogroupedKStream<string, Activity>>()
    const merger = (_customer: string, one: Activity, two: Activity): Activity => ({ clicks: one.clicks + two.clicks, spent: one.spent + two.spent })
    expectTypeOf(sessions.aggregate(none, merger, { value: activity })).toEqualTypeOf<KTable<Windowed<string>, Activity | null>>()
    // @ts-expect-error a session cogroup needs a merger of its aggregates
    sessions.aggregate(none, { value: activity })
    // @ts-expect-error the merger combines aggregates, not numbers
    sessions.aggregate(none, (_customer: string, one: number, two: number) => one + two, { value: activity })

    const sliding = cogrouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace('1m'))
    expectTypeOf(sliding).toEqualTypeOf<SlidingWindowedCogroupedKStream<string, Activity>>()
    expectTypeOf(sliding.aggregate(none, { value: activity })).toEqualTypeOf<KTable<Windowed<string>, Activity>>()
  })
})
