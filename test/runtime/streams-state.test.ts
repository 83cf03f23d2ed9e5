import { describe, expect, test } from 'vitest'
import { IllegalStateTransitionError, nextState, STATE_TRANSITIONS, type StreamsState } from '../../src/runtime/streams-state.js'

const ALL: StreamsState[] = ['CREATED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'ERROR']

describe('the application state machine', () => {
  test('the life of an application: started, running, closed; or stopped by an error', () => {
    expect(['STARTING', 'RUNNING', 'STOPPING', 'STOPPED'].reduce<StreamsState>((state, to) => nextState(state, to as StreamsState), 'CREATED')).toBe('STOPPED')
    expect(['STARTING', 'STOPPING', 'ERROR'].reduce<StreamsState>((state, to) => nextState(state, to as StreamsState), 'CREATED')).toBe('ERROR')
    expect(nextState('CREATED', 'STOPPED')).toBe('STOPPED')
  })

  test('anything else is refused, naming both states', () => {
    expect(() => nextState('RUNNING', 'STARTING')).toThrow(new IllegalStateTransitionError('an application cannot go from RUNNING to STARTING'))
    expect(() => nextState('STOPPED', 'RUNNING')).toThrow(IllegalStateTransitionError)
    expect(() => nextState('CREATED', 'RUNNING')).toThrow(IllegalStateTransitionError)
    expect(() => nextState('ERROR', 'STOPPING')).toThrow(IllegalStateTransitionError)
  })

  test('STOPPED and ERROR are final; every other state can reach one of them', () => {
    expect(STATE_TRANSITIONS.STOPPED).toEqual([])
    expect(STATE_TRANSITIONS.ERROR).toEqual([])
    const reachesEnd = (state: StreamsState, seen = new Set<StreamsState>()): boolean =>
      state === 'STOPPED' || state === 'ERROR' || (!seen.has(state) && STATE_TRANSITIONS[state].some((next) => reachesEnd(next, new Set([...seen, state]))))
    for (const state of ALL) expect(reachesEnd(state)).toBe(true)
  })
})
