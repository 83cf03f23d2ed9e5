import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'

/**
 * The stateless DSL operators (filter, map, flatMap, peek, …) as one processor: a function from
 * a record to the records to forward, in order.
 */
export function statelessProcessor<KIn, VIn, KOut, VOut>(
  transform: (record: Record<KIn, VIn>) => Iterable<Record<KOut, VOut>>,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let context: ProcessorContext<KOut, VOut>
    const processor: Processor<KIn, VIn, KOut, VOut> = {
      init: (ctx) => {
        context = ctx
      },
      process: (record) => {
        for (const out of transform(record)) context.forward(out)
      },
    }
    return processor
  }
}

/** Forwards records to the child whose predicate matches first (split/branch). */
export function branchProcessor<K, V>(branches: readonly { child: string; predicate: (key: K, value: V) => boolean }[]): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>
    return {
      init: (ctx) => {
        context = ctx
      },
      process: (record) => {
        const branch = branches.find((candidate) => candidate.predicate(record.key, record.value))
        if (branch) context.forward(record, branch.child)
      },
    }
  }
}
