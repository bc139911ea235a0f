/**
 * Dates as `log --since/--until` take them, a practical subset of Git's approxidate: absolute
 * dates (ISO 8601 with or without a time, a zone or `Z`; `@<unix seconds>`; bare unix seconds)
 * and relative ones (`2 weeks ago`, `3.days.ago`, `yesterday`, `now`). A date without a time of
 * day means midnight local time (Git keeps the current time of day there, a well-known surprise).
 * Anything else is refused rather than guessed: a filter on a misread date silently hides commits.
 */
import {BlError} from './errors.js'

const UNIT_SECONDS: Record<string, number> = {second: 1, minute: 60, hour: 3600, day: 86_400, week: 7 * 86_400}

/** Unix seconds for `text`, relative forms counted back from `now`. */
export function parseDateSpec(text: string, now: Date): number {
  const s = text.trim().toLowerCase()
  const nowS = Math.floor(now.getTime() / 1000)
  const bad = (): BlError =>
    new BlError('INVALID_ARGUMENT', `invalid date "${text}"`, {hint: 'Use e.g. 2024-05-01, "2024-05-01 13:00", 2024-05-01T13:00:00Z, @1714567890, "2 weeks ago" or yesterday.', data: {date: text}})
  if (s === 'now') return nowS
  const at = /^@?(\d{9,})$/.exec(s)
  if (at) return Number(at[1])
  if (s === 'today' || s === 'yesterday') {
    const d = new Date(now.getTime())
    d.setHours(0, 0, 0, 0)
    if (s === 'yesterday') d.setDate(d.getDate() - 1)
    return Math.floor(d.getTime() / 1000)
  }
  const rel = /^(\d+|an?|one)[\s.]*(second|minute|hour|day|week|month|year)s?[\s.]*ago$/.exec(s)
  if (rel) {
    const n = /^\d+$/.test(rel[1]!) ? Number(rel[1]) : 1
    const unit = rel[2]!
    if (unit === 'month' || unit === 'year') {
      // Calendar months and years, as Git counts them (not 30 or 365 days).
      const d = new Date(now.getTime())
      if (unit === 'month') d.setMonth(d.getMonth() - n)
      else d.setFullYear(d.getFullYear() - n)
      return Math.floor(d.getTime() / 1000)
    }
    return nowS - n * UNIT_SECONDS[unit]!
  }
  const iso = /^(\d{4})-(\d\d)-(\d\d)(?:[t ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?)?\s*(z|[+-]\d\d:?\d\d)?$/.exec(s)
  if (!iso) throw bad()
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(iso[i] ?? 0)) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) throw bad()
  const zone = iso[7]
  let ms: number
  if (zone === undefined) ms = new Date(y, mo - 1, d, h, mi, sec).getTime()
  else {
    const off = zone === 'z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)))
    ms = Date.UTC(y, mo - 1, d, h, mi, sec) - off * 60_000
  }
  // Day 31 of a 30-day month rolls over in Date; refuse it rather than filter on another day.
  const check = zone === undefined ? new Date(ms) : new Date(Date.UTC(y, mo - 1, d))
  if ((zone === undefined ? check.getDate() : check.getUTCDate()) !== d) throw bad()
  return Math.floor(ms / 1000)
}

/**
 * A commit date as `commit --date` takes it: Git's internal `<unix seconds> <+hhmm>`, or any date
 * `parseDateSpec` reads, in the zone it names (`Z`, `+02:00`), else in the local zone at that time.
 */
export function parseSignatureDate(text: string, now: Date): {time: number; tz: number} {
  const raw = /^\s*(\d+) ([+-])(\d\d)(\d\d)\s*$/.exec(text)
  if (raw && Number(raw[1]) > 8_640_000_000_000 - 86_400) throw new BlError('INVALID_ARGUMENT', `invalid date "${text}": later than any calendar date`, {hint: 'Use a time before year 275760.', data: {date: text}})
  if (raw) return {time: Number(raw[1]), tz: (raw[2] === '-' ? -1 : 1) * (Number(raw[3]) * 60 + Number(raw[4]))}
  const time = parseDateSpec(text, now)
  const zone = /(z|[+-]\d\d:?\d\d)$/i.exec(text.trim())?.[1]
  const tz = zone === undefined || !/^\d{4}-/.test(text.trim()) ? -new Date(time * 1000).getTimezoneOffset() : zone.toLowerCase() === 'z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)))
  return {time, tz}
}
