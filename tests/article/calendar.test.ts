/** Calendar days and publish instants, daylight-saving changes included. */
import { describe, expect, it } from 'vitest';
import {
  calendarDayOf,
  MIDNIGHT_UTC,
  isKnownTimeZone,
  parseCalendarDate,
  publishInstant,
  type PublishTime,
} from '../../src/article/calendar.js';
import type { CalendarDate } from '../../src/article/types.js';

function date(iso: string): CalendarDate {
  const parsed = parseCalendarDate(iso);
  if (!parsed) throw new Error(`not a date: ${iso}`);
  return parsed;
}

const KYIV_0930: PublishTime = { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' };

describe('publishInstant', () => {
  it('is 00:00 UTC on the day by default', () => {
    // Prepare
    const day = date('2026-02-10');

    // Act
    const instant = publishInstant(day, MIDNIGHT_UTC);

    // Assess
    expect(instant.toISOString()).toBe('2026-02-10T00:00:00.000Z');
  });

  it.each([
    ['winter (EET, UTC+2)', '2026-01-15', '2026-01-15T07:30:00.000Z'],
    ['summer (EEST, UTC+3)', '2026-07-15', '2026-07-15T06:30:00.000Z'],
    ['the day clocks go forward', '2026-03-29', '2026-03-29T06:30:00.000Z'],
    ['the day clocks go back', '2026-10-25', '2026-10-25T07:30:00.000Z'],
  ])('is 09:30 in Kyiv in %s', (_season, iso, expected) => {
    // Prepare
    const day = date(iso);

    // Act
    const instant = publishInstant(day, KYIV_0930);

    // Assess
    expect(instant.toISOString()).toBe(expected);
  });

  it('is 00:30 Kyiv time the night clocks go forward, before the change', () => {
    // Prepare
    const day = date('2026-03-29');

    // Act
    const instant = publishInstant(day, { hour: 0, minute: 30, timeZone: 'Europe/Kyiv' });

    // Assess
    expect(instant.toISOString()).toBe('2026-03-28T22:30:00.000Z');
  });

  it('works west of UTC and across the date line', () => {
    // Prepare
    const day = date('2026-03-08');

    // Act
    const newYork = publishInstant(day, { hour: 6, minute: 0, timeZone: 'America/New_York' });
    const kiritimati = publishInstant(day, { hour: 0, minute: 0, timeZone: 'Pacific/Kiritimati' });

    // Assess: New York switched to EDT (UTC-4) at 02:00 that morning; Kiritimati is UTC+14.
    expect(newYork.toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(kiritimati.toISOString()).toBe('2026-03-07T10:00:00.000Z');
  });

  it('handles a leap day', () => {
    // Prepare
    const day = date('2028-02-29');

    // Act
    const utc = publishInstant(day, MIDNIGHT_UTC);
    const kyiv = publishInstant(day, KYIV_0930);

    // Assess
    expect(utc.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(kyiv.toISOString()).toBe('2028-02-29T07:30:00.000Z');
  });

  it('handles years before 100 without the two-digit-year shift of Date.UTC', () => {
    // Prepare
    const day = date('0099-12-31');

    // Act
    const instant = publishInstant(day, MIDNIGHT_UTC);

    // Assess
    expect(instant.getUTCFullYear()).toBe(99);
    expect(instant.toISOString()).toBe('0099-12-31T00:00:00.000Z');
  });
});

describe('calendarDayOf', () => {
  it('gives the day an instant falls on in the zone, the inverse of publishInstant for every day of a year with its clock changes', () => {
    for (const timeZone of ['UTC', 'Europe/Kyiv', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      for (let n = 0; n < 366; n++) {
        // Prepare
        const iso = new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10);
        const date = parseCalendarDate(iso)!;

        // Act & Assess: at midnight, and a minute before the next
        expect(calendarDayOf(publishInstant(date, { hour: 0, minute: 0, timeZone }).getTime(), timeZone), `${iso} ${timeZone}`).toBe(iso);
        expect(calendarDayOf(publishInstant(date, { hour: 23, minute: 59, timeZone }).getTime() + 59_999, timeZone)).toBe(iso);
      }
    }
  });
});

describe('parseCalendarDate', () => {
  it.each(['2028-02-29', '2000-02-29', '2026-12-31', '2026-01-01'])('accepts %s', (iso) => {
    // Prepare
    const [year, month, day] = iso.split('-').map(Number);

    // Act
    const parsed = parseCalendarDate(iso);

    // Assess
    expect(parsed).toEqual({ year, month, day, iso });
  });

  it.each([
    '2026-02-29',
    '2100-02-29',
    '2026-02-30',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '0000-01-01',
    '2026-1-5',
    '26-01-05',
    '2026-01-05T00:00',
  ])('rejects %s', (iso) => {
    // Prepare
    const input = iso;

    // Act
    const parsed = parseCalendarDate(input);

    // Assess
    expect(parsed).toBeUndefined();
  });
});

describe('isKnownTimeZone', () => {
  it('knows IANA zones and rejects made-up ones', () => {
    // Prepare
    const zones = ['UTC', 'Europe/Kyiv', 'America/New_York', 'Mars/Olympus_Mons', 'Europe/Kyev Town', ''];

    // Act
    const known = zones.map(isKnownTimeZone);

    // Assess
    expect(known).toEqual([true, true, true, false, false, false]);
  });
});
