// The table of outcomes the runner prints, with the first differences of each case.
import { describeDifference } from './compare.js'
import type { Outcome } from './run-case.js'

export function printTable(outcomes: readonly Outcome[], strict: boolean): void {
  const rows = outcomes.map((outcome) => {
    const matching = outcome.error ? 'ERROR' : outcome.unexpected.length > 0 ? 'NO' : outcome.known.length > 0 ? (strict ? 'NO (known)' : 'yes, but known') : 'yes'
    return [outcome.name, String(outcome.inputRecords), String(outcome.sluiceLateDropped), String(outcome.sluice), String(outcome.kafkaStreams), matching, String(outcome.unexpected.length), outcome.known.map((known) => `${known.count}`).join('+') || '0', `${outcome.seconds.toFixed(1)}`]
  })
  const header = ['case', 'input', 'late (sluice)', 'sluice results', 'kafka-streams results', 'matching', 'differences', 'known', 's']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`)
  for (const row of rows) console.log(line(row))
  for (const outcome of outcomes) {
    if (outcome.error) console.log(`\n${outcome.name}: ${outcome.error}`)
    if (outcome.unexpected.length > 0) {
      console.log(`\n${outcome.name}: ${outcome.unexpected.length} difference(s), the first ones:`)
      for (const difference of outcome.unexpected.slice(0, 8)) console.log(`  ${describeDifference(difference)}`)
    }
    for (const known of outcome.known) console.log(`\n${outcome.name}: known difference "${known.name}": ${known.count} result(s)\n  ${known.reason}`)
    for (const stale of outcome.stale) console.log(`\n${outcome.name}: known difference "${stale}" declared but not seen: it no longer holds (or the input no longer shows it)`)
  }
}
