import type { FixedKeyProcessorContext, FixedKeyProcessorSupplier } from '../../processor/fixed-key-processor.js'
import { fixedKeyRecordOf, isFixedKeyRecord, recordOf } from '../../processor/fixed-key-record.js'
import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { StateStore } from '../../state/store.js'

/**
 * Runs a user's FixedKeyProcessor as the node `name`: it receives FixedKeyRecords, and its
 * context forwards nothing else, so that no record leaves with a key that did not come in (a
 * JavaScript caller, or a cast, could otherwise forward any record).
 */
export function processValuesProcessor<K, V, VOut>(name: string, supplier: FixedKeyProcessorSupplier<K, V, VOut>): ProcessorSupplier<K, V, K, VOut> {
  return () => {
    const processor = supplier()
    let context: ProcessorContext<K, VOut>
    const fixedKeyContext: FixedKeyProcessorContext<K, VOut> = {
      get applicationId() {
        return context.applicationId
      },
      get taskId() {
        return context.taskId
      },
      forward: (record, childName) => {
        if (!isFixedKeyRecord(record)) throw new Error(notFromInput(name, record))
        context.forward(recordOf(record), childName)
      },
      getStateStore: <S extends StateStore>(storeName: string) => context.getStateStore<S>(storeName),
      schedule: (intervalMs, type, punctuator) => context.schedule(intervalMs, type, punctuator),
      currentStreamTimeMs: () => context.currentStreamTimeMs(),
      currentSystemTimeMs: () => context.currentSystemTimeMs(),
      recordMetadata: () => context.recordMetadata(),
    }
    return {
      init: (ctx) => {
        context = ctx
        return processor.init?.(fixedKeyContext)
      },
      process: (record) => processor.process(fixedKeyRecordOf(record)),
      close: () => processor.close?.(),
    }
  }
}

function notFromInput(name: string, forwarded: unknown): string {
  const key = typeof forwarded === 'object' && forwarded !== null && 'key' in forwarded ? ` with key ${describeKey(forwarded.key)}` : ''
  return (
    `processValues "${name}" forwarded a record${key} that is not one it received: a processValues processor may change ` +
    'values, timestamps and headers, never keys; forward the FixedKeyRecord it got, changed with withValue / withTimestamp / withHeaders (use process() to change keys)'
  )
}

function describeKey(key: unknown): string {
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return String(key)
  }
}
