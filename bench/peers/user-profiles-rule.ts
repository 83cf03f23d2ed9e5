// The user-profiles workload's rule, shared by the Sluice peer and the bench's ground truth (the
// Kafka Streams peer has it in Java): per card, a profile of count and sum of amounts in cents;
// a transaction more than three times the card's mean so far, after at least three, alerts.
// Integers only, so that Java and JavaScript agree exactly.

export interface Profile {
  count: number
  sumCents: number
}

export function centsOf(amount: number): number {
  return Math.round(amount * 100)
}

/** Whether the transaction alerts against the profile before it; then the profile after it. */
export function scoreTransaction(profile: Profile | undefined, cents: number): { alert: boolean; next: Profile } {
  const count = profile?.count ?? 0
  const sumCents = profile?.sumCents ?? 0
  return { alert: count >= 3 && cents * count > 3 * sumCents, next: { count: count + 1, sumCents: sumCents + cents } }
}
