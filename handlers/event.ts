/**
 * What the publish function is invoked with: an EventBridge scheduled event, or a person's
 * `{"force"?: boolean, "dryRun"?: boolean}`; bounded in size first, then read with valibot.
 */
import * as v from 'valibot';
import type { PublishRequest } from '../src/publish/publish.js';

export class InvalidEventError extends Error {
  constructor(reason: string) {
    super(`Invalid event: ${reason}. Expected an EventBridge scheduled event or {"force"?: boolean, "dryRun"?: boolean}.`);
    this.name = 'InvalidEventError';
  }
}

/**
 * Bounds on an event, far above the largest legitimate one (a scheduled event: about 15 keys,
 * 3 levels, well under a kilobyte), so a hostile or mistaken payload is refused before anything
 * walks it: no recursion to overflow, no megabyte log line.
 */
export const EVENT_LIMITS = { depth: 16, entries: 1000, textLength: 64 * 1024 } as const;

/** At most this many unknown keys are named, each cut to this many characters. */
const NAMED_KEYS = 3;
const SHOWN_CHARS = 40;

export interface ParsedEvent extends PublishRequest {
  readonly trigger: 'schedule' | 'manual';
  /**
   * Where a scheduled event carried `force` or `dryRun` (`force`, `detail.dryRun`): the schedule
   * always runs a plain publish and says so instead of silently dropping them.
   */
  readonly ignored?: readonly string[];
}

/** What EventBridge sends on a schedule; its other fields (time, resources, detail) are not read. */
const SCHEDULED_EVENT = v.looseObject({ source: v.literal('aws.events'), 'detail-type': v.literal('Scheduled Event') });

/** What a person may send: every field is optional, and no other is taken. */
const MANUAL_EVENT = v.strictObject({ force: v.optional(v.boolean()), dryRun: v.optional(v.boolean()) });

/** The two ways a run starts: the schedule, or a person with an optional force / dry run. */
export function parsePublishEvent(event: unknown): ParsedEvent {
  // `serverless invoke` without --data, and the console's empty test event, send nothing.
  if (event === undefined || event === null) return { trigger: 'manual' };
  if (typeof event !== 'object' || Array.isArray(event))
    throw new InvalidEventError(`got ${Array.isArray(event) ? 'an array' : typeof event}`);
  // Before any schema walks it: the walk below has no bounds of its own.
  checkBounds(event);
  if (v.is(SCHEDULED_EVENT, event)) {
    const ignored: string[] = [];
    for (const [path, holder] of [
      ['', event],
      ['detail.', event.detail],
    ] as const) {
      if (typeof holder !== 'object' || holder === null) continue;
      for (const key of ['force', 'dryRun'] as const) {
        // `false` asks for what a scheduled run does anyway: nothing of it is ignored.
        const value = Object.hasOwn(holder, key) ? (holder as Record<string, unknown>)[key] : undefined;
        if (value !== undefined && value !== false) ignored.push(`${path}${key}`);
      }
    }
    return ignored.length > 0 ? { trigger: 'schedule', ignored } : { trigger: 'schedule' };
  }
  const result = v.safeParse(MANUAL_EVENT, event);
  if (result.success) return { trigger: 'manual', force: result.output.force === true, dryRun: result.output.dryRun === true };
  // strictObject names only the first unknown key (as an issue that expected "never"); the message names a few and counts the rest.
  if (result.issues.some((issue) => issue.expected === 'never')) {
    const unknown = Object.keys(event).filter((key) => !Object.hasOwn(MANUAL_EVENT.entries, key));
    const named = unknown.slice(0, NAMED_KEYS).map((key) => JSON.stringify(shorten(key)));
    const more = unknown.length > NAMED_KEYS ? ` and ${unknown.length - NAMED_KEYS} more` : '';
    throw new InvalidEventError(`unknown field${unknown.length > 1 ? 's' : ''} ${named.join(', ')}${more}`);
  }
  const [issue] = result.issues;
  const key = String(issue.path?.[0]?.key);
  throw new InvalidEventError(
    `${JSON.stringify(key)} must be true or false, got ${shorten(JSON.stringify(issue.input) ?? String(issue.input))}`,
  );
}

/**
 * Walks the event without recursion and stops at the first bound it passes: nesting depth, the
 * number of keys and array elements, and the length of all keys and strings together.
 */
function checkBounds(event: object): void {
  const stack: [value: object, depth: number][] = [[event, 1]];
  let entries = 0;
  let textLength = 0;
  const count = (text: string) => {
    textLength += text.length;
    if (textLength > EVENT_LIMITS.textLength)
      throw new InvalidEventError(`more than ${EVENT_LIMITS.textLength} characters of keys and text`);
  };
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > EVENT_LIMITS.depth) throw new InvalidEventError(`nested deeper than ${EVENT_LIMITS.depth} levels`);
    const tooMany = () => new InvalidEventError(`more than ${EVENT_LIMITS.entries} keys and array elements`);
    let children: Iterable<unknown>;
    if (Array.isArray(value)) {
      // Checked before iterating: a sparse array can claim a length of billions.
      entries += value.length;
      if (entries > EVENT_LIMITS.entries) throw tooMany();
      children = value;
    } else {
      const values: unknown[] = [];
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (++entries > EVENT_LIMITS.entries) throw tooMany();
        count(key);
        values.push((value as Record<string, unknown>)[key]);
      }
      children = values;
    }
    for (const child of children) {
      if (typeof child === 'string') count(child);
      else if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}
