/**
 * The publish function's event, read directly: the schedule, a person's force / dry run, what is
 * refused and how it is worded, and the size bounds that come before any schema walks the event.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, InvalidEventError, parsePublishEvent } from '../../handlers/event.js';

const EVENTS = join(import.meta.dirname, '..', 'fixtures', 'events');

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(EVENTS, name), 'utf8')) as Record<string, unknown>;
}

/** The InvalidEventError's reason, between "Invalid event: " and the sentence saying what is expected. */
function reason(event: unknown): string {
  try {
    parsePublishEvent(event);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return error.message
      .replace(/^Invalid event: /, '')
      .replace(/\. Expected an EventBridge scheduled event or \{"force"\?: boolean, "dryRun"\?: boolean\}\.$/, '');
  }
  throw new Error('expected an InvalidEventError');
}

describe('parsePublishEvent takes', () => {
  it.each([
    ['nothing', undefined],
    ['null', null],
    ['an empty object', {}],
  ])('%s as a plain manual run', (_what, event) => {
    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toMatchObject({ trigger: 'manual' });
    expect(parsed.force ?? false).toBe(false);
    expect(parsed.dryRun ?? false).toBe(false);
  });

  it.each([
    [{ force: true }, { force: true, dryRun: false }],
    [{ dryRun: true }, { force: false, dryRun: true }],
    [
      { force: false, dryRun: true },
      { force: false, dryRun: true },
    ],
  ])('%j as a manual run', (event, expected) => {
    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toEqual({ trigger: 'manual', ...expected });
  });

  it('the EventBridge scheduled event, reading nothing else of it', async () => {
    // Prepare
    const event = await fixture('scheduled.json');

    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toEqual({ trigger: 'schedule' });
  });

  it('a scheduled event carrying force or dryRun as a plain scheduled run, naming what it ignored', async () => {
    // Prepare
    const event = { ...(await fixture('scheduled.json')), force: true, detail: { dryRun: true, force: 'yes' } };

    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toEqual({ trigger: 'schedule', ignored: ['force', 'detail.force', 'detail.dryRun'] });
  });

  it('a scheduled event carrying force or dryRun set to false as a plain scheduled run, ignoring nothing', async () => {
    // Prepare: what a scheduled run does anyway.
    const event = { ...(await fixture('scheduled.json')), dryRun: false, detail: { force: false } };

    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toEqual({ trigger: 'schedule' });
  });

  it('a scheduled event whose detail is not an object', async () => {
    // Prepare
    const event = { ...(await fixture('scheduled.json')), detail: null };

    // Act
    const parsed = parsePublishEvent(event);

    // Assess
    expect(parsed).toEqual({ trigger: 'schedule' });
  });
});

describe('parsePublishEvent refuses', () => {
  it.each<[string, unknown, string]>([
    ['an array', [], 'got an array'],
    ['a string', 'go', 'got string'],
    ['a boolean', true, 'got boolean'],
    ['force as a string', { force: 'yes' }, '"force" must be true or false, got "yes"'],
    ['dryRun as a number', { dryRun: 1 }, '"dryRun" must be true or false, got 1'],
    ['dryRun as null', { dryRun: null }, '"dryRun" must be true or false, got null'],
    ['a misspelt field', { forse: true }, 'unknown field "forse"'],
    ['two unknown fields', { a: 1, b: 2 }, 'unknown fields "a", "b"'],
    ['an unknown field beside a wrong force', { force: 'yes', extra: 1 }, 'unknown field "extra"'],
    ['a field named __proto__', JSON.parse('{"__proto__": {"force": true}}'), 'unknown field "__proto__"'],
    ['a field named constructor', { constructor: true }, 'unknown field "constructor"'],
    [
      'an event that only looks scheduled',
      { source: 'aws.events', 'detail-type': 'Something Else' },
      'unknown fields "source", "detail-type"',
    ],
  ])('%s', (_what, event, expected) => {
    // Act
    const said = reason(event);

    // Assess
    expect(said).toBe(expected);
  });
});

describe('parsePublishEvent bounds the event before reading it', () => {
  /** `{"a":{"a":…}}`, `levels` objects deep, built without recursion. */
  function nested(levels: number): Record<string, unknown> {
    let event: Record<string, unknown> = {};
    for (let level = 1; level < levels; level++) event = { a: event };
    return event;
  }

  it('takes an event at the depth limit, and refuses one a level deeper', () => {
    // Act
    const atLimit = reason(nested(EVENT_LIMITS.depth));
    const deeper = reason(nested(EVENT_LIMITS.depth + 1));

    // Assess
    expect(atLimit).toBe('unknown field "a"');
    expect(deeper).toBe(`nested deeper than ${EVENT_LIMITS.depth} levels`);
  });

  it('refuses a scheduled event whose detail is too deep, before it is taken as scheduled', async () => {
    // Prepare
    const event = { ...(await fixture('scheduled.json')), detail: nested(100_000) };

    // Act
    const said = reason(event);

    // Assess
    expect(said).toBe(`nested deeper than ${EVENT_LIMITS.depth} levels`);
  });

  it('refuses an array that claims billions of elements without walking them', () => {
    // Prepare
    const event = { force: new Array(2 ** 31) };

    // Act
    const said = reason(event);

    // Assess
    expect(said).toBe(`more than ${EVENT_LIMITS.entries} keys and array elements`);
  });

  it('counts the keys and the text of every level together', () => {
    // Prepare
    const event = { force: { note: 'x'.repeat(EVENT_LIMITS.textLength) } };

    // Act
    const said = reason(event);

    // Assess
    expect(said).toBe(`more than ${EVENT_LIMITS.textLength} characters of keys and text`);
  });
});
