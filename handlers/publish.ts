import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import feedConfigFile from '../feed.config.json' with { type: 'json' };
import { configWarnings, loadRuntimeConfig, type Env } from '../src/config.js';
import { publish, PublishError, type PublishDependencies, type PublishSummary } from '../src/publish/publish.js';
import { bucketPublishDependencies } from '../src/wiring.js';
import { createS3Client } from '../src/storage/s3.js';
import { parsePublishEvent, type ParsedEvent } from './event.js';

/** The part of Lambda's context the handler reads. */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * How long before Lambda's deadline the run is asked to stop: 10 s, or 15 % of the time left
 * when that is more, so the step in flight can finish and the error be logged. When the whole
 * invocation is shorter than that, the run still gets half of it.
 */
export function stopMargin(remainingMs: number): number {
  const margin = Math.max(10_000, Math.round(remainingMs * 0.15));
  return Math.min(margin, Math.floor(remainingMs / 2));
}

/** Lambda entry point: parse the event, load config, publish, log one JSON line. */
export function createHandler(env: Env, overrides: Partial<PublishDependencies> = {}) {
  let deps: PublishDependencies | undefined;
  let warnings: string[] = [];
  // Validated on the first invocation and kept for the life of the container; a bad
  // configuration fails every invocation with the same message naming each variable.
  const dependencies = () => {
    if (!deps) {
      const config = loadRuntimeConfig(feedConfigFile, env);
      warnings = configWarnings(config.feed);
      const client = createS3Client({
        ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
        ...(config.publish.s3.endpoint ? { endpoint: config.publish.s3.endpoint } : {}),
        forcePathStyle: config.publish.s3.forcePathStyle,
      });
      deps = {
        ...bucketPublishDependencies({ client, feed: config.feed, publish: config.publish, defaultSeedsDir: fileURLToPath(new URL('./seeds/', import.meta.url)) }),
        ...overrides,
      };
    }
    return deps;
  };

  return async (event: unknown, context?: InvocationContext): Promise<PublishSummary> => {
    let request: ParsedEvent | undefined;
    const deadline = stopBeforeDeadline(context);
    try {
      request = parsePublishEvent(event);
      const { trigger, ignored, ...publishRequest } = request;
      const summary = await publish(dependencies(), { ...publishRequest, ...(deadline ? { signal: deadline.signal } : {}) });
      const notes = [...warnings, ...ignoredNotes(ignored), ...summary.warnings];
      const result: PublishSummary = { ...summary, warnings: notes };
      log({ level: 'info', message: 'published', trigger, ...(ignored ? { ignored } : {}), ...result });
      return result;
    } catch (error) {
      // Thrown on: Lambda's retries, the failure destination and the error alarm all see it.
      const notes = [...warnings, ...ignoredNotes(request?.ignored)];
      log({
        level: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(request ? { trigger: request.trigger } : {}),
        ...(request?.ignored ? { ignored: request.ignored } : {}),
        ...(error instanceof PublishError ? error.summary : {}),
        ...(notes.length > 0 ? { warnings: [...notes, ...((error instanceof PublishError && error.summary?.warnings) || [])] } : {}),
      });
      throw error;
    } finally {
      // A pending timer would keep a local or test process alive after the run.
      deadline?.clear();
    }
  };
}

/** A signal that fires `stopMargin` before Lambda's deadline; none without a context. */
function stopBeforeDeadline(context: InvocationContext | undefined): { signal: AbortSignal; clear: () => void } | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const remaining = context.getRemainingTimeInMillis();
  if (!Number.isFinite(remaining)) return undefined;
  const margin = stopMargin(remaining);
  const budget = Math.max(0, remaining - margin);
  const controller = new AbortController();
  const reason = new Error(`the run used its ${budget} ms and stopped ${margin} ms before the Lambda timeout`);
  reason.name = 'DeadlineError';
  const timer = setTimeout(() => controller.abort(reason), budget);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function ignoredNotes(ignored: readonly string[] | undefined): string[] {
  if (!ignored || ignored.length === 0) return [];
  return [`the scheduled event's ${ignored.join(' and ')} ${ignored.length > 1 ? 'were' : 'was'} ignored: a scheduled run is a plain publish; invoke with {"force":true} or {"dryRun":true} instead`];
}

function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify(entry));
}

export const handler = createHandler(process.env);
