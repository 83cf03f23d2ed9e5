import { describe, expectTypeOf, test } from 'vitest'
import { serdes, SessionWindows, SlidingWindows, StreamsBuilder, type KTable, type SessionWindowedKStream, type SlidingWindowedKStream, type Windowed } from 'sluice'

interface Payment {
  card: string
  amount: number
}

const builder = new StreamsBuilder('window-types')
const byCard = builder.stream('payments', { key: serdes.string(), value: serdes.json<Payment>() }).groupByKey()

describe('session and sliding windows are typed end to end', () => {
  test('windowedBy picks the windowed stream by the kind of windows', () => {
    expectTypeOf(byCard.windowedBy(SessionWindows.ofInactivityGapAndGrace('5m', '30s'))).toEqualTypeOf<SessionWindowedKStream<string, Payment>>()
    expectTypeOf(byCard.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace('1m', '10s'))).toEqualTypeOf<SlidingWindowedKStream<string, Payment>>()
  })

  test('session results may be tombstones (null): a merged-away session is deleted', () => {
    const sessions = byCard.windowedBy(SessionWindows.ofInactivityGapWithNoGrace('5m'))
    expectTypeOf(sessions.count()).toEqualTypeOf<KTable<Windowed<string>, number | null>>()
    expectTypeOf(sessions.reduce((one, two) => ({ card: one.card, amount: one.amount + two.amount }))).toEqualTypeOf<KTable<Windowed<string>, Payment | null>>()
    const totals = sessions.aggregate(
      () => 0,
      (_card, payment, total) => {
        expectTypeOf(payment).toEqualTypeOf<Payment>()
        return total + payment.amount
      },
      (_card, one, two) => {
        expectTypeOf(one).toEqualTypeOf<number>()
        return one + two
      },
      { value: serdes.double() },
    )
    expectTypeOf(totals).toEqualTypeOf<KTable<Windowed<string>, number | null>>()
    totals.toStream().to('totals', { key: serdes.windowed(serdes.string()), value: serdes.nullable(serdes.double()) })
    // @ts-expect-error a serde that cannot write null does not fit a table with tombstones
    totals.toStream().to('totals', { key: serdes.windowed(serdes.string()), value: serdes.double() })
  })

  test('sliding results are plain values', () => {
    const sliding = byCard.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace('1m'))
    expectTypeOf(sliding.count()).toEqualTypeOf<KTable<Windowed<string>, number>>()
    expectTypeOf(sliding.aggregate(() => 0, (_card, payment, total) => total + payment.amount, { value: serdes.double() })).toEqualTypeOf<KTable<Windowed<string>, number>>()
  })
})
