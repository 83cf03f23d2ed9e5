import pg from 'pg'
import { describe, expect, test } from 'vitest'
import { ConnectionLostError, isRowRefusal, isTransient, sqlStateOf } from '../../../src/sinks/postgres/sqlstate.js'

/** An error as node-postgres builds it from the server's ErrorResponse. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error')
  error.code = code
  return error
}

const socketError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code })

describe('telling transient failures from permanent ones', () => {
  test.each([
    ['08006', 'connection failure'],
    ['08001', 'could not connect'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['53100', 'could not extend file: No space left on device'],
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
  ])('SQLSTATE %s (%s) is transient', (code, message) => {
    expect(isTransient(serverError(code, message))).toBe(true)
    expect(isRowRefusal(serverError(code, message))).toBe(false)
  })

  test.each([
    ['22P02', 'invalid input syntax for type integer: "reconnect"'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['23502', 'null value in column "name" violates not-null constraint (Connection terminated)'],
    ['23505', 'duplicate key value violates unique constraint "connection_pkey"'],
    ['22001', 'value too long for type character varying(3): "could not connect"'],
  ])('SQLSTATE %s is permanent and the row\'s fault, whatever its text says: %s', (code, message) => {
    expect(isTransient(serverError(code, message))).toBe(false)
    expect(isRowRefusal(serverError(code, message))).toBe(true)
  })

  test.each([
    ['42P01', 'relation "fraud_metrics" does not exist'],
    ['42703', 'column "next_offset" does not exist'],
    ['42501', 'permission denied for table fraud_metrics'],
    ['28P01', 'password authentication failed for user "sluice"'],
    ['57014', 'canceling statement due to statement timeout'],
  ])('SQLSTATE %s is permanent and no row\'s fault: %s', (code, message) => {
    expect(isTransient(serverError(code, message))).toBe(false)
    expect(isRowRefusal(serverError(code, message))).toBe(false)
  })

  test.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN'])('a socket error %s is transient', (code) => {
    expect(isTransient(socketError(code))).toBe(true)
    expect(sqlStateOf(socketError(code))).toBeUndefined()
  })

  test('message text decides nothing: a plain error that reads like an outage is permanent', () => {
    for (const message of ['Connection terminated unexpectedly', 'reconnect', 'could not connect to server']) {
      expect(isTransient(new Error(message))).toBe(false)
    }
    expect(isTransient(new TypeError('Do not know how to serialize a BigInt'))).toBe(false)
    // A code that is not the server's (not a DatabaseError) is no SQLSTATE.
    expect(isRowRefusal(Object.assign(new Error('x'), { code: '23502' }))).toBe(false)
  })

  test('a connection lost under a query (marked by PgDatabase) is transient', () => {
    expect(isTransient(new ConnectionLostError(new Error('Connection terminated unexpectedly')))).toBe(true)
  })

  test('odd values do not throw', () => {
    for (const value of [undefined, null, 'text', 42, {}]) {
      expect(isTransient(value)).toBe(false)
      expect(isRowRefusal(value)).toBe(false)
    }
  })
})
