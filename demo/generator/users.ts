import { destination } from '../../topologies/geo.js'
import type { Random } from './random.js'
import { CATEGORY_MEDIAN_AMOUNT, CATEGORY_POPULARITY, CITIES, type City, FIRST_NAMES_F, FIRST_NAMES_M, JOBS, LAST_NAMES, STREET_NAMES, STREET_SUFFIXES } from './reference-data.js'
import { CATEGORIES, type Category, type Transaction } from '../../topologies/transaction.js'

/** A card holder: who they are, where they live and how they spend. */
export interface UserProfile extends City, Pick<Transaction, 'cc_num' | 'first' | 'last' | 'gender' | 'street' | 'job' | 'dob'> {
  /** Relative preference per category (same order as CATEGORIES); every category has some weight. */
  categoryWeights: number[]
  /** Median amount per category (same order as CATEGORIES). */
  typicalAmount: number[]
  /** Log-space standard deviation of amounts around the category median. */
  amountSigma: number
  /** Transactions per day on average (before the event-time density is applied). */
  dailyRate: number
}

/** A 16-digit card number starting with `prefix`, with a valid Luhn check digit. */
function cardNumber(random: Random, prefix: string): string {
  let digits = prefix
  while (digits.length < 15) digits += String(random.int(0, 9))
  let sum = 0
  for (let i = 0; i < 15; i++) {
    // Counting from the right with the check digit at position 1: odd positions from the left double.
    let digit = Number(digits[14 - i])
    if (i % 2 === 0) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return digits + String((10 - (sum % 10)) % 10)
}

function round(value: number, places: number): number {
  const factor = 10 ** places
  return Math.round(value * factor) / factor
}

/** `count` distinct users drawn from `random`. */
export function createUsers(random: Random, count: number): UserProfile[] {
  const users: UserProfile[] = []
  const cards = new Set<string>()
  // Bigger cities have more card holders, but small towns are not rare (log of population).
  const cityWeights = CITIES.map((city) => Math.log10(city.city_pop))
  for (let i = 0; i < count; i++) {
    let cc_num = cardNumber(random, random.pick(['4', '4', '5', '3']))
    while (cards.has(cc_num)) cc_num = cardNumber(random, '4')
    cards.add(cc_num)
    const female = random.next() < 0.5
    const city = CITIES[random.weightedIndex(cityWeights)]
    const home = destination(city.lat, city.long, 15 * Math.sqrt(random.next()), random.uniform(0, 360))
    const birthYear = random.int(1940, 2004)
    const dob = `${birthYear}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`
    // Habits: popularity varies per user, and two or three favourites stand out.
    const categoryWeights = CATEGORIES.map((category) => CATEGORY_POPULARITY[category] * random.lognormal(1, 0.6))
    const favourites = random.int(2, 3)
    for (let f = 0; f < favourites; f++) categoryWeights[random.int(0, CATEGORIES.length - 1)] *= 3
    const scale = random.lognormal(1, 0.35)
    const typicalAmount = CATEGORIES.map((category: Category) => round(CATEGORY_MEDIAN_AMOUNT[category] * scale * random.lognormal(1, 0.15), 2))
    users.push({
      cc_num,
      first: random.pick(female ? FIRST_NAMES_F : FIRST_NAMES_M),
      last: random.pick(LAST_NAMES),
      gender: female ? 'F' : 'M',
      street: `${random.int(1, 9999)} ${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
      city: city.city,
      state: city.state,
      zip: city.zip,
      lat: round(home.lat, 4),
      long: round(home.long, 4),
      city_pop: city.city_pop,
      job: random.pick(JOBS),
      dob,
      categoryWeights,
      typicalAmount,
      amountSigma: random.uniform(0.3, 0.45),
      dailyRate: Math.min(8, Math.max(0.5, random.lognormal(3, 0.5))),
    })
  }
  return users
}
