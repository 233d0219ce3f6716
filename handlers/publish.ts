/** The Lambda entry point: parse the event, publish with the container's dependencies, log one line. */
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import feedConfigFile from '../feed.config.json' with { type: 'json' };
import { ConfigError, configWarnings, loadRuntimeConfig, type Env } from '../src/config.js';
import { publish, PublishError, type PublishDependencies, type PublishSummary } from '../src/publish/publish.js';
import { S3_ATTEMPT_MS } from '../src/storage/s3.js';
import { bucketClient, bucketPublishDependencies } from '../src/wiring.js';
import { parsePublishEvent, type ParsedEvent } from './event.js';

/**
 * The part of Lambda's context the handler reads: the time left, and what the log lines carry
 * (request id, function name, ARN and memory). A test may give only some of it.
 */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>;

/**
 * How long before Lambda's deadline the run is asked to stop: 15 s, or 15 % of the time left
 * when that is more, so the request in flight can finish, the manifest that saves the run's
 * progress be written (one S3 attempt at most, S3_ATTEMPT_MS, with time to make its bytes) and
 * the error be logged. When the whole invocation is shorter than that, the run still gets half
 * of it.
 */
export function stopMargin(remainingMs: number): number {
  const margin = Math.max(S3_ATTEMPT_MS + 2_000, Math.round(remainingMs * 0.15));
  return Math.min(margin, Math.floor(remainingMs / 2));
}

/** What every run of a container shares: built on the first invocation, then reused. */
type Runtime = { ok: true; deps: PublishDependencies; warnings: string[] } | { ok: false; error: unknown };

/**
 * The logger, the configuration, the S3 client and the publish dependencies, each made once per
 * handler (so once per Lambda container). The configuration is validated on the first invocation
 * rather than at import, so a bad one fails every invocation, each logged, with the same
 * ConfigError naming each variable; and the client is made then too, after the import that a
 * cold start times.
 */
function createRuntime(env: Env, overrides: Partial<PublishDependencies>) {
  const logger = new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'feedpress',
    // The Logger checks the name (any case; an unknown one leaves INFO). Lambda's own log level,
    // AWS_LAMBDA_LOG_LEVEL, wins over it.
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as LogLevel } : {}),
  });
  let runtime: Runtime | undefined;
  const build = (): Runtime => {
    try {
      const config = loadRuntimeConfig(feedConfigFile, env);
      const client = bucketClient(config.publish, env.AWS_REGION ? { region: env.AWS_REGION } : {});
      const defaultSeedsDir = fileURLToPath(new URL('./seeds/', import.meta.url));
      const deps = { ...bucketPublishDependencies({ client, feed: config.feed, publish: config.publish, defaultSeedsDir }), ...overrides };
      return { ok: true, deps, warnings: configWarnings(config.feed, env) };
    } catch (error) {
      return { ok: false, error };
    }
  };
  return {
    logger,
    /** The dependencies and the configuration's warnings; throws the configuration's error, the same one every time. */
    dependencies(): { deps: PublishDependencies; warnings: string[] } {
      runtime ??= build();
      if (!runtime.ok) throw runtime.error;
      return runtime;
    },
    /** The warnings to repeat on an error line: none while the configuration is bad. */
    warnings(): string[] {
      return runtime?.ok ? runtime.warnings : [];
    },
  };
}

/** A Lambda handler: parse the event, publish with the container's dependencies, log one line. */
export function createHandler(env: Env, overrides: Partial<PublishDependencies> = {}) {
  const runtime = createRuntime(env, overrides);
  const { logger } = runtime;

  return async (event: unknown, context?: InvocationContext): Promise<PublishSummary | StoppedRun> => {
    const started = performance.now();
    // Request id, function name and cold start on every line of this invocation, and none of an
    // earlier invocation's on a line of one without a context.
    logger.addContext((context ?? {}) as Context);
    let request: ParsedEvent | undefined;
    let deadline: ReturnType<typeof stopBeforeDeadline>;
    try {
      deadline = stopBeforeDeadline(context);
      request = parsePublishEvent(event);
      const { trigger, ignored, ...publishRequest } = request;
      const { deps, warnings } = runtime.dependencies();
      const summary = await publish(deps, { ...publishRequest, ...(deadline ? { signal: deadline.signal } : {}) });
      const result: PublishSummary = { ...summary, warnings: [...warnings, ...ignoredNotes(ignored), ...summary.warnings] };
      logger.info({ message: 'published', trigger, ...(ignored ? { ignored } : {}), ...forLog(result) });
      return result;
    } catch (error) {
      const notes = [...runtime.warnings(), ...ignoredNotes(request?.ignored)];
      const summary = {
        ...(error instanceof PublishError && error.summary ? error.summary : {}),
        ...(notes.length > 0 ? { warnings: [...notes, ...((error instanceof PublishError && error.summary?.warnings) || [])] } : {}),
      };
      const line = {
        message: error instanceof Error ? error.message : String(error),
        ...(request ? { trigger: request.trigger } : {}),
        ...(request?.ignored ? { ignored: request.ignored } : {}),
        // Refused by the unpublish guard: how an operator overrides it here, not the CLI's flag.
        ...(error instanceof PublishError && error.refused ? { toPublishAnyway: FORCE_ON_LAMBDA } : {}),
        ...forLog({ ...summary, durationMs: Math.round(performance.now() - started) }),
      };
      // Stopped by the deadline with its progress saved: more work than one run has time for,
      // not a fault. Returned, so Lambda neither retries it nor counts an error (no alarm, nothing
      // in the dead-letter queue); the next scheduled run carries on. With every warning its line has.
      if (error instanceof PublishError && error.carriesOn) {
        logger.warn({ ...line, stopped: true });
        return { ...summary, stopped: error.message };
      }
      // Thrown on: Lambda's retries, the failure destination and the error alarm all see it.
      logger.error(line);
      throw error;
    } finally {
      // A pending timer would keep a local or test process alive after the run.
      deadline?.clear();
    }
  };
}

/** What a refusal by the unpublish guard says to do, on the Lambda, when the unpublishing is intended. */
export const FORCE_ON_LAMBDA = 'npm run republish, or invoke the function with the payload {"force":true}';

/** What a run stopped by its deadline after saving its progress returns: as much of the summary as it got to. */
export type StoppedRun = Partial<PublishSummary> & {
  /** Why and where it stopped; the next run carries on from there. */
  readonly stopped: string;
};

/** How many entries of each list a log line keeps. */
export const LOG_LIST_LIMIT = 100;

/**
 * The most a log line may take: CloudWatch takes at most 256 KiB an event, and Lambda splits a
 * longer line, which is then no JSON. The rest of the 256 KiB is for the keys Powertools adds.
 */
export const LOG_LINE_BYTES = 200 * 1024;

/** The longest string a list entry keeps in a log line: a seed's name alone may be 1,024 bytes. */
const LOG_TEXT_LIMIT = 2000;

/**
 * The summary as one log line carries it: each list cut to its first LOG_LIST_LIMIT entries,
 * with `cut` giving the full length of each list that was cut, and, when that is still over
 * LOG_LINE_BYTES (entries of long names and reasons), to fewer, their long texts shortened. A
 * first publish or a forced republish lists thousands of keys, and a folder of broken seeds
 * thousands of rejections. The counts in `articles` and `objects` stay whole, and the handler's
 * return value keeps every entry.
 */
function forLog<T extends Partial<PublishSummary>>(summary: T): T & { cut?: Record<string, number> } {
  let shaped = withListsCut(summary, LOG_LIST_LIMIT, Number.POSITIVE_INFINITY);
  for (let limit = LOG_LIST_LIMIT; Buffer.byteLength(JSON.stringify(shaped)) > LOG_LINE_BYTES && limit > 1; ) {
    limit = Math.floor(limit / 2);
    shaped = withListsCut(summary, limit, LOG_TEXT_LIMIT);
  }
  return shaped;
}

function withListsCut<T extends Partial<PublishSummary>>(
  summary: T,
  limit: number,
  textLimit: number,
): T & { cut?: Record<string, number> } {
  const cut: Record<string, number> = {};
  const short = (text: string) => (text.length > textLimit ? `${text.slice(0, textLimit)}…` : text);
  const shortened = <E>(entry: E): E =>
    typeof entry === 'string'
      ? (short(entry) as E)
      : typeof entry === 'object' && entry !== null
        ? (Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, typeof value === 'string' ? short(value) : value])) as E)
        : entry;
  const first = <E>(name: string, list: readonly E[] | undefined): readonly E[] | undefined => {
    if (list === undefined) return list;
    if (list.length > limit) cut[name] = list.length;
    return list.slice(0, limit).map(shortened);
  };
  const lists = {
    ...(summary.rejected ? { rejected: first('rejected', summary.rejected) } : {}),
    ...(summary.held ? { held: first('held', summary.held) } : {}),
    ...(summary.skipped ? { skipped: first('skipped', summary.skipped) } : {}),
    ...(summary.warnings ? { warnings: first('warnings', summary.warnings) } : {}),
    ...(summary.objects
      ? {
          objects: {
            ...summary.objects,
            writtenKeys: first('objects.writtenKeys', summary.objects.writtenKeys),
            deletedKeys: first('objects.deletedKeys', summary.objects.deletedKeys),
          },
        }
      : {}),
  };
  return { ...summary, ...lists, ...(Object.keys(cut).length > 0 ? { cut } : {}) } as T & { cut?: Record<string, number> };
}

/** The longest delay setTimeout takes; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A signal that fires `stopMargin` before Lambda's deadline; none without a context. */
function stopBeforeDeadline(context: InvocationContext | undefined): { signal: AbortSignal; clear: () => void } | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const remaining = context.getRemainingTimeInMillis();
  // Beyond what a timer can wait (about 24.8 days; Lambda allows 15 minutes), as without a deadline.
  if (!Number.isFinite(remaining) || remaining > MAX_TIMER_MS) return undefined;
  const margin = Math.max(0, stopMargin(remaining));
  const budget = Math.max(0, remaining - margin);
  const controller = new AbortController();
  const reason = new Error(`the run used its ${budget} ms and stopped ${margin} ms before the Lambda timeout`);
  reason.name = 'DeadlineError';
  const timer = setTimeout(() => controller.abort(reason), budget);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function ignoredNotes(ignored: readonly string[] | undefined): string[] {
  if (!ignored || ignored.length === 0) return [];
  return [
    `the scheduled event's ${ignored.join(' and ')} ${ignored.length > 1 ? 'were' : 'was'} ignored: a scheduled run is a plain publish; invoke with {"force":true} or {"dryRun":true} instead`,
  ];
}

/**
 * What the function's configuration check says of an environment: every problem, or none. The
 * deployment runs it on the environment it is about to deploy (infra/check-environment.cjs), so
 * a setting the function would refuse on every run is refused before it is deployed.
 */
export function environmentProblems(env: Env): readonly string[] {
  try {
    loadRuntimeConfig(feedConfigFile, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** The Lambda entry point. Its logger, S3 client and dependencies live as long as the container. */
export const handler = createHandler(process.env);
