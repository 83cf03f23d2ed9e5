import { describe, expect, it } from 'vitest'
import { keySuccessor, prefixEnd } from '../../src/state/bytes.js'
import { changelogKeyStart, decodeWindowKey, fromChangelogKey, toChangelogKey, windowKey } from '../../src/state/window-key.js'

describe('window key layout', () => {
  it('round-trips [segment][len][key][start] and its segment-less changelog form', () => {
    const start = 1_700_000_123_456 // above 2^32: both 32-bit halves matter
    const key = windowKey(28_333_335, Buffer.from('user-1'), start)
    expect(key.length).toBe(8 + 4 + 6 + 8)
    expect(decodeWindowKey(key)).toEqual({ segment: 28_333_335, key: Buffer.from('user-1'), start })
    const changelog = toChangelogKey(key)
    expect(changelog.readUInt32BE(0)).toBe(6)
    expect(changelogKeyStart(changelog)).toBe(start)
    expect(fromChangelogKey(changelog, 28_333_335).equals(key)).toBe(true)
  })

  it('orders by segment, then key length and bytes, then start', () => {
    const keys = [
      windowKey(1, Buffer.from('a'), 5),
      windowKey(0, Buffer.from('b'), 2 ** 40),
      windowKey(0, Buffer.from('aa'), 0),
      windowKey(0, Buffer.from('a'), 2 ** 33),
      windowKey(0, Buffer.from('a'), 7),
    ]
    const sorted = [...keys].sort(Buffer.compare).map((key) => decodeWindowKey(key))
    expect(sorted.map((k) => `${k.segment}/${k.key.toString()}/${k.start}`)).toEqual([
      '0/a/7',
      `0/a/${2 ** 33}`,
      `0/b/${2 ** 40}`,
      '0/aa/0',
      '1/a/5',
    ])
  })

  it('computes prefix ends and key successors in byte order', () => {
    expect(prefixEnd(Buffer.from([0x61, 0x62]))).toEqual(Buffer.from([0x61, 0x63]))
    expect(prefixEnd(Buffer.from([0x61, 0xff, 0xff]))).toEqual(Buffer.from([0x62]))
    expect(prefixEnd(Buffer.from([0xff, 0xff]))).toBeUndefined()
    expect(keySuccessor(Buffer.from('ab'))).toEqual(Buffer.from([0x61, 0x62, 0x00]))
  })
})
