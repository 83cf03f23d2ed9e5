/**
 * One setting of a command: the text given for it and where it came from (`--commit-interval`
 * or `SLUICE_COMMIT_INTERVAL_MS`), so that an error names what the user has to fix. Every
 * number is checked here: `Number()` alone reads "abc" as NaN, "" as 0 and "0x10" as 16.
 */
export interface Setting {
  readonly text: string
  readonly name: string
}

/** A flag or variable whose value cannot be used; the CLI exits with 2, as for other usage errors. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError'
}

/** The flag's value if given, else the environment variable's, else undefined. */
export function settingOf(flag: string, flagValue: string | undefined, envName?: string): Setting | undefined {
  if (flagValue !== undefined) return { text: flagValue, name: `--${flag}` }
  const fromEnv = envName === undefined ? undefined : process.env[envName]
  return fromEnv === undefined ? undefined : { text: fromEnv, name: envName as string }
}

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** A whole number within [min, max]; `unit` says what it counts, for the message. */
export function integerSetting(setting: Setting | undefined, range: { min: number; max?: number; unit?: string }): number | undefined {
  if (setting === undefined) return undefined
  const value = Number(setting.text)
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  if (!INTEGER.test(setting.text) || !Number.isSafeInteger(value) || value < range.min || value > max) {
    const bounds = range.max === undefined ? `at least ${range.min}` : `from ${range.min} to ${range.max}`
    throw new InvalidSettingError(`${setting.name} must be a whole number${range.unit ? ` of ${range.unit}` : ''}, ${bounds}; got "${setting.text}"`)
  }
  return value
}

/** A whole number of at least `min`, or `Infinity` (any case) for none; `unit` says what it counts, `note` what its values mean. */
export function integerOrInfinitySetting(setting: Setting | undefined, range: { min: number; unit?: string; note?: string }): number | undefined {
  if (setting === undefined) return undefined
  if (/^\+?infinity$/i.test(setting.text)) return Infinity
  const value = Number(setting.text)
  if (!INTEGER.test(setting.text) || !Number.isSafeInteger(value) || value < range.min) {
    const note = range.note === undefined ? '' : ` (${range.note})`
    throw new InvalidSettingError(`${setting.name} must be a whole number${range.unit ? ` of ${range.unit}` : ''}, at least ${range.min}, or Infinity${note}; got "${setting.text}"`)
  }
  return value
}

/** A finite decimal number within [min, max]; `exclusiveMin` refuses min itself. */
export function decimalSetting(setting: Setting | undefined, range: { min: number; max?: number; exclusiveMin?: boolean }): number | undefined {
  if (setting === undefined) return undefined
  const value = Number(setting.text)
  const tooLow = range.exclusiveMin ? value <= range.min : value < range.min
  if (!DECIMAL.test(setting.text) || !Number.isFinite(value) || tooLow || value > (range.max ?? Infinity)) {
    const low = range.exclusiveMin ? `above ${range.min}` : `at least ${range.min}`
    throw new InvalidSettingError(`${setting.name} must be a number ${range.max === undefined ? low : `${low} and at most ${range.max}`}; got "${setting.text}"`)
  }
  return value
}

/** One of the allowed words. */
export function choiceSetting<T extends string>(setting: Setting | undefined, allowed: readonly T[]): T | undefined {
  if (setting === undefined) return undefined
  if (!(allowed as readonly string[]).includes(setting.text)) throw new InvalidSettingError(`${setting.name} must be one of ${allowed.join(', ')}; got "${setting.text}"`)
  return setting.text as T
}

/** Kafka bootstrap brokers: a comma-separated list of host:port. */
export function brokersSetting(setting: Setting | undefined): string[] | undefined {
  if (setting === undefined) return undefined
  const brokers = setting.text.split(',').map((broker) => broker.trim())
  for (const broker of brokers) {
    const match = /^(.+):(\d+)$/.exec(broker)
    const port = match ? Number(match[2]) : NaN
    if (!match || port < 1 || port > 65535) throw new InvalidSettingError(`${setting.name} must be a comma-separated list of host:port; got "${setting.text}"`)
  }
  return brokers
}

/** Text that must not be empty (a directory, a topic). */
export function textSetting(setting: Setting | undefined): string | undefined {
  if (setting === undefined) return undefined
  if (setting.text.trim() === '') throw new InvalidSettingError(`${setting.name} must not be empty`)
  return setting.text
}

/** A comma-separated list of non-empty names (spaces around each are dropped); `what` names them, for the message. */
export function listSetting(setting: Setting | undefined, what: string): string[] | undefined {
  if (setting === undefined) return undefined
  const names = setting.text.split(',').map((name) => name.trim())
  if (names.some((name) => name === '' || /\s/.test(name))) throw new InvalidSettingError(`${setting.name} must be a comma-separated list of ${what}, none empty; got "${setting.text}"`)
  return names
}

const BYTE_UNITS: { readonly [unit: string]: number } = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }

/** A size in bytes, at least 1: a whole number, optionally with a binary unit (KiB, MiB, GiB; k, m, g and KB, MB, GB mean the same). */
export function bytesSetting(setting: Setting | undefined): number | undefined {
  if (setting === undefined) return undefined
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(setting.text)
  const unit = match === null ? undefined : BYTE_UNITS[match[2].toLowerCase()]
  const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidSettingError(`${setting.name} must be a size in bytes, at least 1 (e.g. 33554432, 32MiB, 512KiB); got "${setting.text}"`)
  return bytes
}
