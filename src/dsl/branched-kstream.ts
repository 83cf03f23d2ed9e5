import { TopologyError } from '../errors.js'
import { branchProcessor, statelessProcessor } from './processors/stateless.js'
import { KStream } from './kstream.js'

/** The branches of a split(); each record goes to the first branch whose predicate matches. */
export class BranchedKStream<K, V, Names extends string = never> {
  private readonly branches: { name: string; predicate: (key: K, value: V) => boolean }[] = []

  /** @internal */
  constructor(
    private readonly parent: KStream<K, V>,
    private readonly splitNode: string,
  ) {}

  branch<N extends string>(name: N, predicate: (key: K, value: V) => boolean): BranchedKStream<K, V, Names | N> {
    if (this.branches.some((branch) => branch.name === name)) throw new TopologyError(`split "${this.splitNode}" has two branches named "${name}"`)
    this.branches.push({ name, predicate })
    return this as unknown as BranchedKStream<K, V, Names | N>
  }

  /** Ends the split with a branch for records that matched no predicate. */
  defaultBranch<N extends string>(name: N): { [P in Names | N]: KStream<K, V> } {
    return this.finish([...this.branches, { name, predicate: () => true }]) as { [P in Names | N]: KStream<K, V> }
  }

  /** Ends the split; records that match no predicate are dropped (on purpose, by the user). */
  noDefaultBranch(): { [P in Names]: KStream<K, V> } {
    return this.finish(this.branches) as { [P in Names]: KStream<K, V> }
  }

  private finish(branches: readonly { name: string; predicate: (key: K, value: V) => boolean }[]): { [name: string]: KStream<K, V> } {
    const { builder } = this.parent
    const children = branches.map((branch) => ({ ...branch, child: `${this.splitNode}-${branch.name}` }))
    builder.graph.addProcessor(this.splitNode, branchProcessor<K, V>(children), this.parent.node)
    // Null prototype: a branch may be named like an Object.prototype member.
    const streams: { [name: string]: KStream<K, V> } = Object.create(null)
    for (const branch of children) {
      builder.graph.addProcessor(branch.child, statelessProcessor<K, V, K, V>((record) => [record]), this.splitNode)
      streams[branch.name] = new KStream(builder, branch.child, `${this.parent.lineage}-${branch.name}`, this.parent.keySerde, this.parent.valueSerde, this.parent.keyChanged)
    }
    return streams
  }
}
