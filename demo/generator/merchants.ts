import type { Random } from './random.js'
import { MERCHANT_FORMS, MERCHANT_WORDS } from './reference-data.js'
import { CATEGORIES } from '../../topologies/transaction.js'

/** Merchant names per category (same order as CATEGORIES), all distinct. */
export function createMerchants(random: Random, perCategory = 30): string[][] {
  const used = new Set<string>()
  return CATEGORIES.map(() => {
    const names: string[] = []
    while (names.length < perCategory) {
      const name = random
        .pick(MERCHANT_FORMS)
        .replace('{a}', random.pick(MERCHANT_WORDS))
        .replace('{b}', random.pick(MERCHANT_WORDS))
        .replace('{c}', random.pick(MERCHANT_WORDS))
      if (used.has(name)) continue
      used.add(name)
      names.push(name)
    }
    return names
  })
}
