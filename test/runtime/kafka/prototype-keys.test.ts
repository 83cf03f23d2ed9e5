import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, type KStream } from 'sluice'
import { prepareRecord } from '../../../src/runtime/kafka/buffered-collector.js'
import { withDriver } from '../../helpers/driver.js'

// Names taken from data or configuration must never reach Object.prototype: a plain object
// keyed by them finds a function for `constructor` and changes its prototype for `__proto__`.
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']

describe('lookups keyed by names from outside use no prototype', () => {
  test('record headers named like Object.prototype members are sent as headers, and nothing else is', () => {
    const headers = JSON.parse(`{${PROTOTYPE_NAMES.map((name) => `"${name}": "v-${name}"`).join(', ')}}`) as { [name: string]: string }
    const { message } = prepareRecord({ topic: 't', key: null, value: null, timestamp: 0, headers }, undefined)
    expect(Object.keys(message.headers ?? {}).sort()).toEqual([...PROTOTYPE_NAMES].sort())
    for (const name of PROTOTYPE_NAMES) expect(Object.getOwnPropertyDescriptor(message.headers, name)?.value).toBe(`v-${name}`)
  })

  test('split branches may be named like Object.prototype members', async () => {
    let branches: { [name: string]: KStream<string, string> } = {}
    const topology = defineTopology({ applicationId: 'prototype-branches' }, (b) => {
      const split = b.stream('in', { key: serdes.string(), value: serdes.string() }).split()
      branches = split.branch('__proto__', (_key, value) => value === 'a').branch('constructor', (_key, value) => value === 'b').defaultBranch('toString')
      for (const name of ['__proto__', 'constructor', 'toString']) Object.getOwnPropertyDescriptor(branches, name)?.value.to(`out-${name}`)
    })
    expect(Object.keys(branches).sort()).toEqual(['__proto__', 'constructor', 'toString'])
    await withDriver(topology, { backend: 'memory' }, async (driver) => {
      await driver.createInputTopic('in', serdes.string(), serdes.string()).pipeRecords(['a', 'b', 'c'].map((value) => ({ key: value, value })))
      expect(['__proto__', 'constructor', 'toString'].map((name) => driver.topicContents(`out-${name}`).map((r) => r.value?.toString()))).toEqual([['a'], ['b'], ['c']])
    })
  })
})
