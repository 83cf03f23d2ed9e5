import type { AlertLevel } from './anomaly-scoring.js'
import type { FraudAlert } from './user-anomaly.js'

export const ALERT_LEVELS: readonly AlertLevel[] = ['LOW', 'MEDIUM', 'HIGH']

const EMOJI: { readonly [level in AlertLevel]: string } = { LOW: ':large_yellow_circle:', MEDIUM: ':large_orange_circle:', HIGH: ':red_circle:' }

/** Slack's mrkdwn treats &, < and > as markup. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A card number shown by its last four digits only. */
export function maskedCard(ccNum: string): string {
  return `•••• ${ccNum.slice(-4)}`
}

/**
 * A fraud alert as a Slack incoming-webhook message: `text` (shown in notifications and by
 * receivers without blocks) and blocks with the level, card, amount, merchant, score and the
 * rules that scored.
 */
export function slackAlertMessage(alert: FraudAlert): { text: string; blocks: unknown[] } {
  const amount = `$${alert.amt.toFixed(2)}`
  const text = `${alert.level} fraud alert: card ${maskedCard(alert.cc_num)}, ${amount} at ${alert.merchant} (score ${alert.score.toFixed(2)})`
  return {
    text: escape(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${alert.level} fraud alert` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Level*\n${EMOJI[alert.level]} ${alert.level}` },
          { type: 'mrkdwn', text: `*Score*\n${alert.score.toFixed(2)}` },
          { type: 'mrkdwn', text: `*Card*\n${maskedCard(alert.cc_num)}` },
          { type: 'mrkdwn', text: `*Amount*\n${amount}` },
          { type: 'mrkdwn', text: `*Merchant*\n${escape(alert.merchant)} (${escape(alert.category)})` },
          { type: 'mrkdwn', text: `*When*\n${alert.trans_date_trans_time} UTC` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Why*\n${alert.reasons.map((reason) => `• ${escape(reason.message)}`).join('\n')}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `transaction ${escape(alert.trans_num)} · ${alert.history} earlier transactions of this card` }] },
    ],
  }
}

/** The levels to send, from a comma-separated list ('' or undefined: all). */
export function alertLevels(list: string | undefined): ReadonlySet<AlertLevel> {
  if (list === undefined || list.trim() === '') return new Set(ALERT_LEVELS)
  const levels = list.split(',').map((level) => level.trim().toUpperCase())
  for (const level of levels) if (!(ALERT_LEVELS as readonly string[]).includes(level)) throw new Error(`unknown alert level "${level}" (levels: ${ALERT_LEVELS.join(', ')})`)
  return new Set(levels as AlertLevel[])
}
