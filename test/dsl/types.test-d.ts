import { describe, expectTypeOf, test } from 'vitest'
import { defineTopology, Record, serdes, StreamsBuilder, TimeWindows, type KGroupedStream, type KStream, type KTable, type ProcessorSupplier, type Serde, type Windowed } from 'sluice'
import type { TestOutputTopic, TopologyTestDriver } from 'sluice/testing'

interface Payment {
  id: string
  amount: number
  at: number
}

const builder = new StreamsBuilder('types')
const payments = builder.stream('payments', { key: serdes.string(), value: serdes.json<Payment>() })

describe('the DSL is typed end to end', () => {
  test('streams carry their key and value types', () => {
    expectTypeOf(payments).toEqualTypeOf<KStream<string, Payment>>()
    expectTypeOf(payments.filter((_key, payment) => payment.amount > 0)).toEqualTypeOf<KStream<string, Payment>>()
    expectTypeOf(payments.mapValues((payment) => payment.amount)).toEqualTypeOf<KStream<string, number>>()
    expectTypeOf(payments.map((key, payment) => [payment.amount, key] as const)).toEqualTypeOf<KStream<number, string>>()
    expectTypeOf(payments.flatMapValues((payment) => [payment.id, payment.id])).toEqualTypeOf<KStream<string, string>>()
    expectTypeOf(payments.flatMap((key, payment) => [[payment.at, { key, payment }]])).toEqualTypeOf<KStream<number, { key: string; payment: Payment }>>()
    expectTypeOf(payments.selectKey((_key, payment) => payment.at)).toEqualTypeOf<KStream<number, Payment>>()
    expectTypeOf(payments.peek(() => {})).toEqualTypeOf<KStream<string, Payment>>()
    expectTypeOf(payments.merge(payments)).toEqualTypeOf<KStream<string, Payment>>()
  })

  test('callbacks receive the stream types', () => {
    payments.filter((key, value) => {
      expectTypeOf(key).toEqualTypeOf<string>()
      expectTypeOf(value).toEqualTypeOf<Payment>()
      return true
    })
    payments.mapValues((value, key) => {
      expectTypeOf(value).toEqualTypeOf<Payment>()
      expectTypeOf(key).toEqualTypeOf<string>()
      return value
    })
    builder.stream('payments', {
      key: serdes.string(),
      value: serdes.json<Payment>(),
      timestamp: (value, key, recordTimestamp) => {
        expectTypeOf(value).toEqualTypeOf<Payment>()
        expectTypeOf(key).toEqualTypeOf<string>()
        expectTypeOf(recordTimestamp).toEqualTypeOf<number>()
        return value.at
      },
    })
  })

  test('grouping, aggregation and windows', () => {
    const byId = payments.groupBy((_key, payment) => payment.id, { key: serdes.string() })
    expectTypeOf(byId).toEqualTypeOf<KGroupedStream<string, Payment>>()
    expectTypeOf(payments.groupByKey()).toEqualTypeOf<KGroupedStream<string, Payment>>()
    expectTypeOf(byId.count()).toEqualTypeOf<KTable<string, number>>()
    expectTypeOf(byId.reduce((a, b) => (a.amount > b.amount ? a : b))).toEqualTypeOf<KTable<string, Payment>>()
    expectTypeOf(byId.aggregate(() => 0, (_key, payment, total) => total + payment.amount, { value: serdes.double() })).toEqualTypeOf<KTable<string, number>>()
    const windowed = byId.windowedBy(TimeWindows.ofSize('1m').grace('10s')).count()
    expectTypeOf(windowed).toEqualTypeOf<KTable<Windowed<string>, number>>()
    expectTypeOf(windowed.toStream()).toEqualTypeOf<KStream<Windowed<string>, number>>()
    windowed.toStream().to('counts', { key: serdes.windowed(serdes.string()), value: serdes.long() })
    byId.windowedBy(TimeWindows.ofSize('1m').grace('10s')).count({
      onLateRecord: (record, windows) => {
        expectTypeOf(record).toEqualTypeOf<Record<string, Payment>>()
        expectTypeOf(windows[0].start).toEqualTypeOf<number>()
      },
    })
  })

  test('split branches and joins', () => {
    const branches = payments
      .split()
      .branch('big', (_key, payment) => payment.amount > 100)
      .defaultBranch('rest')
    expectTypeOf(branches).toEqualTypeOf<{ big: KStream<string, Payment>; rest: KStream<string, Payment> }>()
    const users = builder.table('users', { key: serdes.string(), value: serdes.json<{ name: string }>() })
    expectTypeOf(payments.join(users, (payment, user) => `${user.name}: ${payment.amount}`)).toEqualTypeOf<KStream<string, string>>()
    payments.leftJoin(users, (_payment, user) => {
      expectTypeOf(user).toEqualTypeOf<{ name: string } | undefined>()
      return 0
    })
  })

  test('Processor API and records', () => {
    const supplier: ProcessorSupplier<string, Payment, string, number> = () => ({
      process: (record) => {
        expectTypeOf(record).toEqualTypeOf<Record<string, Payment>>()
      },
    })
    expectTypeOf(payments.process(supplier)).toEqualTypeOf<KStream<string, number>>()
    const record = new Record('k', 1, 0)
    expectTypeOf(record.withValue('v')).toEqualTypeOf<Record<string, string>>()
    expectTypeOf(record.withKey(2)).toEqualTypeOf<Record<number, number>>()
    expectTypeOf(serdes.windowed(serdes.long())).toEqualTypeOf<Serde<Windowed<number>>>()
    expectTypeOf<TopologyTestDriver['createOutputTopic']>().returns.toEqualTypeOf<TestOutputTopic<unknown, unknown>>()
  })
})

describe('type errors', () => {
  test('a value of the wrong type in callbacks', () => {
    // @ts-expect-error the value is a Payment, not a number
    payments.mapValues((value: number) => value + 1)
    // @ts-expect-error the value is a Payment, not a string
    payments.filter((_key, value: string) => value.length > 0)
    // @ts-expect-error a Payment has no field `total`
    payments.filter((_key, value) => value.total > 0)
    // @ts-expect-error the key is a string
    payments.filter((key: number) => key > 0)
    payments
      .mapValues((payment) => payment.amount)
      // @ts-expect-error the value is now a number
      .filter((_key, amount) => amount.id === 'x')
  })

  test('a serde of the wrong type in to()', () => {
    const amounts = payments.mapValues((payment) => payment.amount)
    // @ts-expect-error a number value needs a Serde<number>
    amounts.to('amounts', { value: serdes.string() })
    // @ts-expect-error the key is a string
    amounts.to('amounts', { key: serdes.long(), value: serdes.double() })
    // @ts-expect-error a windowed key needs a windowed serde
    payments.groupByKey().windowedBy(TimeWindows.ofSize('1m').grace('0s')).count().toStream().to('counts', { key: serdes.string() })
    amounts.to('amounts', { value: serdes.double() })
  })

  test('a timestamp extractor reading a field that does not exist', () => {
    builder.stream('payments', {
      key: serdes.string(),
      value: serdes.json<Payment>(),
      // @ts-expect-error Payment has `at`, not `time`
      timestamp: (payment) => payment.time,
    })
    builder.stream('payments', {
      key: serdes.string(),
      value: serdes.json<Payment>(),
      // @ts-expect-error a timestamp is a number
      timestamp: (payment) => payment.id,
    })
  })

  test('a groupBy key serde of the wrong type', () => {
    // @ts-expect-error the selector returns a number, the serde is for strings
    payments.groupBy((_key, payment) => payment.amount, { key: serdes.string() })
    // @ts-expect-error groupBy needs a key serde
    payments.groupBy((_key, payment) => payment.id, {})
    payments.groupBy((_key, payment) => payment.amount, { key: serdes.double() })
  })

  test('other mismatches', () => {
    // @ts-expect-error a Serde<string> is not a Serde<number>
    const numberSerde: Serde<number> = serdes.string()
    expectTypeOf(numberSerde).toEqualTypeOf<Serde<number>>()
    // Serdes are invariant: neither direction of a subtype relation is accepted.
    expectTypeOf<Serde<'a'>>().not.toMatchTypeOf<Serde<string>>()
    expectTypeOf<Serde<string>>().not.toMatchTypeOf<Serde<'a'>>()
    // @ts-expect-error aggregate's value serde must match the aggregate
    payments.groupByKey().aggregate(() => 0, (_key, payment, total) => total + payment.amount, { value: serdes.string() })
    // @ts-expect-error no branch named "small"
    payments.split().branch('big', () => true).noDefaultBranch().small.to('x')
    defineTopology({ applicationId: 'types' }, (b) => {
      // @ts-expect-error the key serde and the source's key type differ
      const stream: KStream<number, Payment> = b.stream('payments', { key: serdes.string(), value: serdes.json<Payment>() })
      return stream
    })
  })
})
