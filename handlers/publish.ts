import { fileURLToPath } from 'node:url';
import feedConfigFile from '../feed.config.json' with { type: 'json' };
import { loadRuntimeConfig, type Env } from '../src/config.js';
import { publish, PublishError, type PublishDependencies, type PublishSummary } from '../src/publish/publish.js';
import { bucketPublishDependencies } from '../src/wiring.js';
import { createS3Client } from '../src/storage/s3.js';
import { parsePublishEvent } from './event.js';

/** Lambda entry point: parse the event, load config, publish, log one JSON line. */
export function createHandler(env: Env, overrides: Partial<PublishDependencies> = {}) {
  let deps: PublishDependencies | undefined;
  // Validated on the first invocation and kept for the life of the container; a bad
  // configuration fails every invocation with the same message naming each variable.
  const dependencies = () => {
    if (!deps) {
      const config = loadRuntimeConfig(feedConfigFile, env);
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

  return async (event: unknown): Promise<PublishSummary> => {
    let trigger: string | undefined;
    try {
      const request = parsePublishEvent(event);
      trigger = request.trigger;
      const summary = await publish(dependencies(), request);
      log({ level: 'info', message: 'published', trigger: request.trigger, ...summary });
      return summary;
    } catch (error) {
      // Thrown on: Lambda's retries, the failure destination and the error alarm all see it.
      log({
        level: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(trigger ? { trigger } : {}),
        ...(error instanceof PublishError ? error.summary : {}),
      });
      throw error;
    }
  };
}

function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify(entry));
}

export const handler = createHandler(process.env);
