/** Calendar days as seeds write them, and the instant a day is published at a time in a zone. */
import type { CalendarDate } from './types.js';

/** `YYYY-MM-DD` to a date that exists on the calendar, or undefined (2026-02-30, 2026-13-01 …). */
export function parseCalendarDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return undefined;
  const probe = new Date(Date.UTC(2000, month - 1, day));
  probe.setUTCFullYear(year);
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day, iso: text };
}

/** A time of day and zone at which a calendar day's articles go out. */
export interface PublishTime {
  readonly hour: number;
  readonly minute: number;
  /** An IANA zone name (`UTC`, `Europe/Kyiv`) understood by Intl. */
  readonly timeZone: string;
}

export const MIDNIGHT_UTC: PublishTime = { hour: 0, minute: 0, timeZone: 'UTC' };

/**
 * The first instant a calendar day reaches the given wall-clock time in the given zone.
 * Zone offsets are looked up for the instant itself, so daylight-saving days come out right: a
 * time the clocks show twice (falling back) is its first showing, and a time they skip (springing
 * forward; in some zones midnight itself) moves forward by the length of the skip, as calendars
 * and Temporal's "compatible" rule do: 02:30 on a night New York goes from 02:00 to 03:00 is
 * 03:30, never an hour before, and a skipped midnight is still on its own day.
 */
export function publishInstant(date: CalendarDate, time: PublishTime): Date {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const utcDate = new Date(wallAsUtc);
  utcDate.setUTCFullYear(date.year);
  const wall = utcDate.getTime();
  const zone = time.timeZone;
  if (zone === 'UTC') return new Date(wall);
  const localWall = (instant: number) => instant + zoneOffsetMs(instant, zone);
  // The offsets on either side of any change near that day, and the instants they give.
  const earlier = wall - zoneOffsetMs(wall - DAY_MS, zone);
  const later = wall - zoneOffsetMs(wall + DAY_MS, zone);
  const shown = [earlier, later].sort((a, b) => a - b).find((instant) => localWall(instant) === wall);
  // Skipped: read with the offset from before the change, which lands as far past the skip.
  return new Date(shown ?? earlier);
}

const DAY_MS = 86_400_000;

/** The calendar day (`YYYY-MM-DD`) an instant falls on in a zone: what a seed would write for it there. */
export function calendarDayOf(instant: number, timeZone: string): string {
  const wall = new Date(Math.floor(instant / 1000) * 1000 + zoneOffsetMs(instant, timeZone));
  return wall.toISOString().slice(0, 10);
}

/**
 * The calendar day published at `instant`: publishInstant's inverse. Mostly the day the instant
 * falls on; but a publish time the clocks skip at midnight (23:30 on a night that goes from
 * 23:00 to 00:00) goes out on the next day, and the day published then is the one before.
 */
export function publishedDayOf(instant: number, time: PublishTime): string {
  const day = calendarDayOf(instant, time.timeZone);
  const date = parseCalendarDate(day);
  if (date === undefined || publishInstant(date, time).getTime() === instant) return day;
  const before = new Date(0);
  before.setUTCFullYear(date.year, date.month - 1, date.day - 1);
  const earlier = parseCalendarDate(before.toISOString().slice(0, 10));
  return earlier !== undefined && publishInstant(earlier, time).getTime() === instant ? earlier.iso : day;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMs(instant: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) {
    if (part.type !== 'literal' && part.type !== 'era') parts[part.type] = Number(part.value);
  }
  // Not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  const wall = new Date(0);
  wall.setUTCFullYear(parts.year!, parts.month! - 1, parts.day!);
  wall.setUTCHours(parts.hour!, parts.minute!, parts.second!);
  return wall.getTime() - Math.floor(instant / 1000) * 1000;
}

export function isKnownTimeZone(timeZone: string): boolean {
  // The default needs no look-up: asking Intl about any zone loads its time zone data (~15 ms).
  if (timeZone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
