import { describe, expect, it } from 'vitest'
import { compareTaskIds, TaskId } from '../../src/base/task-id.js'

describe('TaskId', () => {
  it('formats as <subtopology>_<partition>, the name of its state directory', () => {
    expect(new TaskId(0, 3).format()).toBe('0_3')
    expect(String(new TaskId(12, 0))).toBe('12_0')
    expect(`${new TaskId(1, 10)}`).toBe('1_10')
  })

  it('round-trips through its string form', () => {
    for (const text of ['0_0', '0_3', '1_10', '12_345', `7_${2 ** 31 - 1}`]) {
      const id = TaskId.parse(text)
      expect(id.format()).toBe(text)
      expect(TaskId.parse(id.format()).equals(id)).toBe(true)
    }
    expect(TaskId.parse('2_10')).toMatchObject({ subtopology: 2, partition: 10 })
  })

  it('is equal by value', () => {
    expect(new TaskId(1, 2).equals(TaskId.parse('1_2'))).toBe(true)
    expect(new TaskId(1, 2).equals(new TaskId(2, 1))).toBe(false)
    expect(new TaskId(1, 2).equals(new TaskId(1, 20))).toBe(false)
  })

  it('orders by sub-topology, then partition, both numerically', () => {
    const ids = ['1_0', '0_10', '10_1', '0_2', '2_0', '0_1', '1_10', '1_2']
    expect([...ids].sort(compareTaskIds)).toEqual(['0_1', '0_2', '0_10', '1_0', '1_2', '1_10', '2_0', '10_1'])
    expect(ids.map((id) => TaskId.parse(id)).sort(TaskId.compare).map(String)).toEqual(['0_1', '0_2', '0_10', '1_0', '1_2', '1_10', '2_0', '10_1'])
    expect(TaskId.compare(new TaskId(0, 2), new TaskId(0, 10))).toBeLessThan(0)
    expect(TaskId.compare(new TaskId(0, 10), new TaskId(0, 2))).toBeGreaterThan(0)
    expect(TaskId.compare(new TaskId(3, 4), TaskId.parse('3_4'))).toBe(0)
  })

  it('refuses malformed strings with an error naming them', () => {
    for (const text of ['', '0', '0_', '_0', '0-3', '0:3', '0_3_1', 'a_1', '1_b', ' 0_1', '0_1 ', '-1_0', '0_-1', '01_2', '1_02', '0.5_1', '1e3_0', `0_${'9'.repeat(20)}`, '.sluice-state']) {
      expect(() => TaskId.parse(text), text).toThrow(`malformed task id ${JSON.stringify(text)}`)
      expect(TaskId.tryParse(text), text).toBeUndefined()
    }
    expect(() => compareTaskIds('0_1', 'nope')).toThrow('malformed task id "nope"')
  })

  it('refuses parts that are not non-negative integers', () => {
    for (const [subtopology, partition] of [[-1, 0], [0, -1], [0.5, 1], [1, Number.NaN], [0, Infinity], [2 ** 53, 0]]) {
      expect(() => new TaskId(subtopology, partition)).toThrow('non-negative integers')
    }
  })
})
