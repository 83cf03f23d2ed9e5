import { describe, expect, test } from 'vitest'
import { alertLevels, maskedCard, slackAlertMessage } from '../../topologies/alert-message.js'
import type { FraudAlert } from '../../topologies/user-anomaly.js'

const alert: FraudAlert = {
  trans_num: 'abc',
  cc_num: '4111111111111234',
  unix_time: 1_700_000_000,
  trans_date_trans_time: '2023-11-14 22:13:20',
  amt: 1234.5,
  merchant: 'fraud_<Kirlin> & Sons',
  category: 'shopping_net',
  score: 0.87,
  level: 'HIGH',
  reasons: [{ rule: 'velocity', score: 0.8, count: 6, windowSeconds: 600, message: '6 transactions in 10 minutes' }],
  history: 12,
}

describe('the Slack alert message', () => {
  test('text and blocks name level, card (last four digits only), amount, merchant (escaped), score and reasons', () => {
    const message = slackAlertMessage(alert)
    expect(message.text).toBe('HIGH fraud alert: card •••• 1234, $1234.50 at fraud_&lt;Kirlin&gt; &amp; Sons (score 0.87)')
    const blocks = JSON.stringify(message.blocks)
    for (const part of ['•••• 1234', '$1234.50', 'fraud_&lt;Kirlin&gt; &amp; Sons', '0.87', '6 transactions in 10 minutes', 'HIGH']) expect(blocks).toContain(part)
    expect(blocks).not.toContain('4111111111111234')
    expect(maskedCard('12')).toBe('•••• 12')
  })

  test('levels to send: all by default, a list otherwise, an unknown level refused', () => {
    expect([...alertLevels(undefined)]).toEqual(['LOW', 'MEDIUM', 'HIGH'])
    expect([...alertLevels(' medium, HIGH ')]).toEqual(['MEDIUM', 'HIGH'])
    expect(() => alertLevels('HIGH,CRITICAL')).toThrow('unknown alert level "CRITICAL"')
  })
})
