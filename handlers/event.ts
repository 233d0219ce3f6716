import type { ScheduledEvent } from 'aws-lambda';
import type { PublishRequest } from '../src/publish/publish.js';

export class InvalidEventError extends Error {
  constructor(reason: string) {
    super(`Invalid event: ${reason}. Expected an EventBridge scheduled event or {"force"?: boolean, "dryRun"?: boolean}.`);
    this.name = 'InvalidEventError';
  }
}

/** The two ways a run starts: the schedule, or a person with an optional force / dry run. */
export function parsePublishEvent(event: unknown): PublishRequest & { trigger: 'schedule' | 'manual' } {
  // `serverless invoke` without --data, and the console's empty test event, send nothing.
  if (event === undefined || event === null) return { trigger: 'manual' };
  if (typeof event !== 'object' || Array.isArray(event)) throw new InvalidEventError(`got ${Array.isArray(event) ? 'an array' : typeof event}`);
  if (isScheduledEvent(event)) return { trigger: 'schedule' };
  const fields = event as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => key !== 'force' && key !== 'dryRun');
  if (unknown.length > 0) throw new InvalidEventError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);
  for (const key of ['force', 'dryRun'] as const) {
    if (fields[key] !== undefined && typeof fields[key] !== 'boolean') throw new InvalidEventError(`"${key}" must be true or false, got ${JSON.stringify(fields[key])}`);
  }
  return { trigger: 'manual', force: fields.force === true, dryRun: fields.dryRun === true };
}

function isScheduledEvent(event: object): event is ScheduledEvent {
  const candidate = event as Partial<ScheduledEvent>;
  return candidate.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event';
}
