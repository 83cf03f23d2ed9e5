// `npm run evaluate [-- --seed 42 --users 2000 --count 200000 --fraud-rate 0.01 --backend leveldb]`
// Prints precision, recall and alert rate of topologies/user-anomaly.ts against the
// generator's labels (see anomaly-evaluation.ts); exits 1 when a target is missed.
import { parseArgs } from 'node:util'
import type { BackendKind } from 'sluice'
import { evaluateUserAnomaly, formatEvaluation } from './anomaly-evaluation.js'

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    users: { type: 'string', default: '2000' },
    count: { type: 'string', default: '200000' },
    'fraud-rate': { type: 'string' },
    backend: { type: 'string', default: 'leveldb' },
  },
})

const count = Number(args.count)
const progress = process.stderr.isTTY
const result = await evaluateUserAnomaly({
  seed: Number(args.seed),
  users: Number(args.users),
  count,
  fraudRate: args['fraud-rate'] === undefined ? undefined : Number(args['fraud-rate']),
  backend: args.backend as BackendKind,
  onProgress: progress ? (done, alerts) => process.stderr.write(`\r  ${done.toLocaleString('en-US')} / ${count.toLocaleString('en-US')} transactions, ${alerts.toLocaleString('en-US')} alerts`) : undefined,
})
if (progress) process.stderr.write('\r\x1b[K')
console.log(formatEvaluation(result))
process.exitCode = result.targetsMet ? 0 : 1
