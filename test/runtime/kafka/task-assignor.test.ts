import { describe, expect, test } from 'vitest'
import { assignTasks } from '../../../src/runtime/kafka/task-assignor.js'

describe('task assignment', () => {
  test('hands out new tasks in task order, partition 10 after 2', () => {
    const owner = assignTasks(['0_10', '1_0', '0_2', '0_1'], ['b', 'a'], new Map())
    expect([...owner]).toEqual([
      ['0_1', 'a'],
      ['0_2', 'b'],
      ['0_10', 'a'],
      ['1_0', 'b'],
    ])
  })

  test('keeps previous owners, up to a balanced share', () => {
    const owner = assignTasks(['0_0', '0_1', '0_2', '0_10'], ['a', 'b'], new Map([['a', ['0_10', '0_2', '0_1', 'junk']]]))
    expect(Object.fromEntries(owner)).toEqual({ '0_10': 'a', '0_2': 'a', '0_0': 'b', '0_1': 'b' })
  })
})
