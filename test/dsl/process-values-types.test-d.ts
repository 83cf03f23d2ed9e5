import { describe, expectTypeOf, test } from 'vitest'
import { FixedKeyRecord, Record, serdes, StreamsBuilder, type FixedKeyProcessorContext, type FixedKeyProcessorSupplier, type KStream } from 'sluice'

interface Payment {
  card: string
  amount: number
}

const builder = new StreamsBuilder('process-values-types')
const payments = builder.stream('payments', { key: serdes.string(), value: serdes.json<Payment>() })

describe('processValues is typed end to end, and keys cannot change', () => {
  test('the result keeps the key type and takes the forwarded value type', () => {
    const amounts: FixedKeyProcessorSupplier<string, Payment, number> = () => {
      let context: FixedKeyProcessorContext<string, number>
      return {
        init: (ctx) => {
          context = ctx
        },
        process: (record) => {
          expectTypeOf(record).toEqualTypeOf<FixedKeyRecord<string, Payment>>()
          context.forward(record.withValue(record.value.amount).withTimestamp(record.timestamp + 1).withHeaders({ seen: 'yes' }))
        },
      }
    }
    expectTypeOf(payments.processValues(amounts)).toEqualTypeOf<KStream<string, number>>()
  })

  test('a FixedKeyRecord has no withKey, cannot be constructed, and forward takes nothing else', () => {
    const rekeying: FixedKeyProcessorSupplier<string, Payment, Payment> = () => {
      let context: FixedKeyProcessorContext<string, Payment>
      return {
        init: (ctx) => {
          context = ctx
        },
        process: (record) => {
          // @ts-expect-error a FixedKeyRecord has no withKey
          context.forward(record.withKey(record.value.card))
          // @ts-expect-error a plain Record is not a FixedKeyRecord, even with the same key
          context.forward(new Record(record.key, record.value, record.timestamp))
          // @ts-expect-error nor is an object of the same shape
          context.forward({ key: record.key, value: record.value, timestamp: record.timestamp, headers: {} })
          // @ts-expect-error its constructor is private
          context.forward(new FixedKeyRecord(Symbol('x'), 'other', record.value, 0, {}))
          // @ts-expect-error the value forwarded must be of the declared output type
          context.forward(record.withValue(record.value.amount))
        },
      }
    }
    payments.processValues(rekeying)
  })

  test('the processor must read the stream’s key and value types', () => {
    const numbers: FixedKeyProcessorSupplier<string, number, number> = () => ({ process: () => {} })
    // @ts-expect-error the stream carries payments, not numbers
    payments.processValues(numbers)
    const numberKeyed: FixedKeyProcessorSupplier<number, Payment, Payment> = () => ({ process: () => {} })
    // @ts-expect-error the stream's keys are strings
    payments.processValues(numberKeyed)
  })
})
