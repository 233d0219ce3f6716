/**
 * The deployed infrastructure against what the code does: the packaged template
 * (`serverless package`, offline, as package.integration.test.ts does it) read together with
 * the function's own configuration check, its S3 calls, its deadline and its cache headers.
 * package.integration.test.ts pins the template's values one by one; these tests check that the
 * pieces agree with each other and with the code. Prepare (build) and Act (packaging, once per
 * set of params) run in beforeAll; each test adds its own Act where it computes something.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import feedConfigFile from '../../feed.config.json' with { type: 'json' };
import { createHandler, environmentProblems, stopMargin } from '../../handlers/publish.js';
import { configWarnings, loadRuntimeConfig } from '../../src/config.js';
import { ARCHIVE_CACHE_CONTROL, DEFAULT_CACHE_CONTROL } from '../../src/site-files.js';
import { createS3Client } from '../../src/storage/s3.js';
import { fakeBucket, mockS3 } from '../publish/support.js';
import { completed } from '../handlers/support.js';
import { EXAMPLE, evaluate, like, s3AnswerToCloudFront } from './bucket-policy.js';
import { prepareServiceCopy, repoRoot, serverless, type CommandResult, type ServiceCopy } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;
interface Template {
  Resources: Record<string, { Type: string; Properties?: Json; DependsOn?: Json }>;
  Outputs: Record<string, { Value: Json; Export?: { Name: string } }>;
}

const PACKAGE_TIMEOUT = 300_000;
/** The bucket bucket-policy.ts resolves `FeedBucket.Arn` to, so the role and the calls agree. */
const BUCKET = EXAMPLE.bucketArn.replace('arn:aws:s3:::', '');
const DOMAIN = 'd111111abcdef8.cloudfront.net';

let service: ServiceCopy;

interface Packaged {
  readonly result: CommandResult;
  /** Undefined when packaging refused the params. */
  readonly template: Template | undefined;
}

async function packageService(name: string, args: readonly string[] = []): Promise<Packaged> {
  const dir = join(service.dir, name);
  const result = await serverless(service.dir, ['package', '--package', dir, ...args]);
  const template =
    result.code === 0 ? (JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template) : undefined;
  return { result, template };
}

function packaged(p: Packaged): Template {
  if (!p.template) throw new Error(`serverless package failed (${p.result.code}):\n${p.result.stdout}\n${p.result.stderr}`);
  return p.template;
}

/** The intrinsics the function's environment uses, resolved to an example deployment. */
function resolveValue(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'FeedBucket') return BUCKET;
  const getAtt = value?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[0] === 'FeedDistribution' && getAtt[1] === 'DomainName') return DOMAIN;
  const join = value?.['Fn::Join'];
  if (Array.isArray(join)) return (join[1] as Json[]).map(resolveValue).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The environment the deployed function gets, as Lambda would hand it over. */
function functionEnv(template: Template): Record<string, string> {
  const vars = template.Resources.PublishLambdaFunction!.Properties.Environment.Variables as Record<string, Json>;
  return Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, resolveValue(value)]));
}

/** The S3 statements of the function's role (the log and queue ones name no bucket). */
function roleS3Statements(template: Template): Json[] {
  const statements = template.Resources.PublishRole!.Properties.Policies.flatMap((policy: Json) => policy.PolicyDocument.Statement);
  return statements
    .filter((s: Json) => [s.Action].flat().every((action: string) => action.startsWith('s3:')))
    .map((s: Json) => ({ ...s, Principal: '*' }));
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && statSync(join(dir, path)).isFile())
    .map((path) => readFileSync(join(dir, path), 'utf8'));
}

let dev: Template;
let dev2: Template;
let bucketMode: Template;
let interval10081: Packaged;
const seedParams: Record<string, Packaged> = {};

beforeAll(async () => {
  // Prepare: a copy of the service with a fresh build of handlers/ in its dist/.
  service = await prepareServiceCopy('feedpress-infra-agreement-');
  if (service.buildOutput.code !== 0) {
    throw new Error(`build failed:\n${service.buildOutput.stdout}\n${service.buildOutput.stderr}`);
  }
  // Act: package with the defaults, for a second stage, with seeds in the bucket under another
  // folder, and with params the README rules out.
  dev = packaged(await packageService('dev'));
  dev2 = packaged(await packageService('dev2', ['--stage', 'dev2']));
  bucketMode = packaged(await packageService('bucket-mode', ['--param=seedsSource=bucket', '--param=seedsPrefix=drafts/']));
  interval10081 = await packageService('interval-10081', ['--param=publishIntervalMinutes=10081']);
  seedParams['seedsSource=s3'] = await packageService('seeds-s3', ['--param=seedsSource=s3']);
  seedParams['seedsSource=bucket, seedsPrefix=articles/'] = await packageService('seeds-articles', [
    '--param=seedsSource=bucket',
    '--param=seedsPrefix=articles/',
  ]);
  seedParams['seedsSource=bucket, seedsPrefix=drafts'] = await packageService('seeds-no-slash', [
    '--param=seedsSource=bucket',
    '--param=seedsPrefix=drafts',
  ]);
}, PACKAGE_TIMEOUT);

afterAll(() => service?.remove());

describe('the function’s environment', () => {
  it('is one the function’s own configuration check accepts, pointing at this stack’s bucket and distribution', () => {
    // Prepare
    const env = functionEnv(dev);
    const rate = /^rate\((\d+) minutes\)$/.exec(dev.Resources.PublishEventsRuleSchedule1!.Properties.ScheduleExpression);
    // Act
    const config = loadRuntimeConfig(feedConfigFile, env);
    // Assess
    expect(config.publish.bucket).toBe(BUCKET);
    expect(config.publish.seeds).toEqual({ from: 'bundle' });
    expect(config.publish.cacheControl).toBe(DEFAULT_CACHE_CONTROL);
    // Every link the feeds and pages make goes to the distribution, not to the config file's host.
    expect(config.feed.siteUrl).toBe(`https://${DOMAIN}/`);
    expect(config.feed.homeUrl).toBe(`https://${DOMAIN}/`);
    expect(config.feed.feedUrls).toEqual({
      rss: `https://${DOMAIN}/rss.xml`,
      atom: `https://${DOMAIN}/atom.xml`,
      json: `https://${DOMAIN}/feed.json`,
    });
    // RSS <ttl> and the schedule say the same interval.
    expect(rate).not.toBeNull();
    expect(config.feed.ttlMinutes).toBe(Number(rate![1]));
    expect(configWarnings(config.feed, env)).toEqual([]);
  });

  it('sets no variable that no code of the function reads', () => {
    // Prepare
    const sources = [...sourcesOf(join(repoRoot, 'src')), ...sourcesOf(join(repoRoot, 'handlers'))].join('\n');
    const names = Object.keys(dev.Resources.PublishLambdaFunction!.Properties.Environment.Variables);
    // Act
    const unread = names.filter((name) => !sources.includes(`'${name}'`));
    // Assess
    expect(names.length).toBeGreaterThan(0);
    expect(unread).toEqual([]);
  });
});

describe('serverless.yml params', () => {
  it(
    'takes a param set per stage as a YAML number, as Lambda takes it: as its text',
    async () => {
      // Prepare: the interval given to stage dev as a number, not a string.
      const copy = await prepareServiceCopy('feedpress-infra-numbers-');
      try {
        const file = join(copy.dir, 'serverless.yml');
        const yaml = readFileSync(file, 'utf8');
        expect(yaml).toContain('\n  local:\n');
        writeFileSync(file, yaml.replace('\n  local:\n', '\n  dev:\n    publishIntervalMinutes: 30\n  local:\n'));

        // Act
        const result = await serverless(copy.dir, ['package', '--package', join(copy.dir, 'out')]);

        // Assess
        expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
        const template = JSON.parse(readFileSync(join(copy.dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
        expect(String(functionEnv(template).PUBLISH_INTERVAL_MINUTES)).toBe('30');
      } finally {
        copy.remove();
      }
    },
    PACKAGE_TIMEOUT,
  );

  it('refuses a publishIntervalMinutes above 10,080 before deploying, rather than a function that fails every run', () => {
    // Act
    const { result, template } = interval10081;
    // Assess: packaging refused the value, naming the setting as the function would.
    expect(template, 'serverless package accepted an interval the function refuses').toBeUndefined();
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /would refuse this configuration on every run[\s\S]*PUBLISH_INTERVAL_MINUTES: must be a whole number from 2 to 10080/,
    );
  });

  it('refuses seedsSource and seedsPrefix values the function refuses, before deploying', () => {
    // Act
    const refusedByFunction = Object.entries(seedParams)
      .filter(([, p]) => p.template !== undefined)
      .map(([params, p]) => ({ params, problems: environmentProblems(functionEnv(p.template!)) }))
      .filter(({ problems }) => problems.length > 0);
    // Assess
    expect(refusedByFunction).toEqual([]);
    for (const [params, { result }] of Object.entries(seedParams)) {
      expect(result.code, params).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`, params).toMatch(
        /would refuse this configuration on every run[\s\S]*SEEDS_(SOURCE|PREFIX): /,
      );
    }
  });

  it('with seeds in the bucket, keeps the chosen folder out of CloudFront and unwritable by the function', () => {
    // Prepare
    const statements = bucketMode.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement;
    const role = roleS3Statements(bucketMode);
    const write = (key: string) =>
      evaluate(role, { principalService: 'lambda', action: 's3:PutObject', resource: `${EXAMPLE.bucketArn}/${key}`, context: {} });
    // Act
    const config = loadRuntimeConfig(feedConfigFile, functionEnv(bucketMode));
    // Assess
    expect(config.publish.seeds).toEqual({ from: 'bucket', prefix: 'drafts/' });
    expect(s3AnswerToCloudFront(statements, 'drafts/2030-01-01-held-back.txt', true)).toBe(403);
    expect(s3AnswerToCloudFront(statements, 'drafts/missing.txt', false)).toBe(403);
    // seeds/ is no longer special: an ordinary missing key.
    expect(s3AnswerToCloudFront(statements, 'seeds/anything.txt', false)).toBe(404);
    expect(write('drafts/2030-01-01-held-back.txt')).toBe('deny');
    expect(write('articles/a-page.html')).toBe('allow');
  });
});

describe('IAM against what the code calls', () => {
  it('allows every S3 request a run makes, on every key it makes it on, with the seeds in the bucket', async () => {
    // Prepare: the real handler and wiring, the packaged environment (seeds under drafts/ in the
    // bucket, two items a feed so that older articles go to archives), an S3 mock for a bucket.
    const s3 = mockS3();
    try {
      const initial: Record<string, Uint8Array> = {};
      const seedNames = readdirSync(join(repoRoot, 'seeds')).sort();
      for (const name of seedNames) initial[`drafts/${name}`] = readFileSync(join(repoRoot, 'seeds', name));
      const objects = fakeBucket(s3, initial);
      const env = { ...functionEnv(bucketMode), FEED_ITEM_LIMIT: '2', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' };
      const handler = createHandler(env);
      // Act: a first scheduled run, then most seeds deleted and a forced republish, which
      // unpublishes their pages and deletes the archive documents beyond the shorter archive.
      await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
      for (const name of seedNames.slice(0, 4)) objects.delete(`drafts/${name}`);
      const second = await completed(handler({ force: true }));
      const requests = s3.calls().map((call) => {
        const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, string | undefined> };
        const { Bucket, Key, Prefix } = command.input;
        const name = command.constructor.name;
        const action =
          name === 'GetObjectCommand' || name === 'HeadObjectCommand'
            ? 's3:GetObject'
            : name === 'PutObjectCommand'
              ? 's3:PutObject'
              : name === 'DeleteObjectCommand'
                ? 's3:DeleteObject'
                : name === 'ListObjectsV2Command'
                  ? 's3:ListBucket'
                  : `unmapped ${name}`;
        const resource = action === 's3:ListBucket' ? `arn:aws:s3:::${Bucket}` : `arn:aws:s3:::${Bucket}/${Key}`;
        const context: Record<string, string> = action === 's3:ListBucket' ? { 's3:prefix': Prefix ?? '' } : {};
        return {
          action,
          resource,
          decision: evaluate(roleS3Statements(bucketMode), { principalService: 'lambda', action, resource, context }),
        };
      });
      // Assess
      expect(new Set(requests.map((r) => r.action))).toEqual(new Set(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket']));
      expect(second.objects.deletedKeys.some((key) => key.startsWith('articles/'))).toBe(true);
      expect(second.objects.deletedKeys.some((key) => key.startsWith('archive/'))).toBe(true);
      expect(requests.every((r) => r.resource.startsWith(EXAMPLE.bucketArn))).toBe(true);
      expect(requests.filter((r) => r.decision !== 'allow')).toEqual([]);
    } finally {
      s3.restore();
    }
  });
});

describe('the Lambda timeout', () => {
  it('leaves a run stopped at its deadline time for one whole S3 attempt to save its progress', async () => {
    // Prepare
    const timeoutMs = dev.Resources.PublishLambdaFunction!.Properties.Timeout * 1000;
    const client = createS3Client({ region: 'us-east-1' });
    const handlerConfig = await (
      client.config.requestHandler as unknown as { configProvider: Promise<{ connectionTimeout: number; requestTimeout: number }> }
    ).configProvider;
    client.destroy();
    // Act
    const margin = stopMargin(timeoutMs);
    // Assess
    expect(handlerConfig.requestTimeout).toBeGreaterThan(0);
    expect(margin).toBeGreaterThanOrEqual(handlerConfig.connectionTimeout + handlerConfig.requestTimeout);
  });

  it('is shorter than the shortest schedule interval, so scheduled runs never queue behind each other', () => {
    // Prepare
    const timeoutSeconds = dev.Resources.PublishLambdaFunction!.Properties.Timeout;
    // Act: the smallest interval the function accepts.
    const smallest = [1, 2, 3].find(
      (minutes) => environmentProblems({ ...functionEnv(dev), PUBLISH_INTERVAL_MINUTES: String(minutes) }).length === 0,
    );
    // Assess
    expect(smallest).toBe(2);
    expect(timeoutSeconds).toBeLessThan(smallest! * 60);
  });
});

describe('CloudFront caching', () => {
  it('keeps feeds, pages and closed archives exactly as long as their Cache-Control says', () => {
    // Prepare
    const policy = dev.Resources.FeedCachePolicy!.Properties.CachePolicyConfig;
    const written = [functionEnv(dev).CACHE_CONTROL!, ARCHIVE_CACHE_CONTROL];
    // Act
    const maxAges = written.map((header) => Number(/max-age=(\d+)/.exec(header)?.[1]));
    // Assess: inside [MinTTL, MaxTTL], CloudFront follows max-age as written.
    for (const maxAge of maxAges) {
      expect(maxAge).toBeGreaterThanOrEqual(policy.MinTTL);
      expect(maxAge).toBeLessThanOrEqual(policy.MaxTTL);
    }
  });
});

describe('stage isolation', () => {
  /** Every name the template gives a resource or export itself, with the region filled in. */
  function physicalNames(template: Template, region: string): string[] {
    const names: string[] = [];
    const visit = (value: Json, key: string) => {
      if (value === null || typeof value !== 'object') {
        if (typeof value === 'string' && /(^|[a-z])Name$/.test(key) && key !== 'ObjectOwnership') names.push(value);
        return;
      }
      if (typeof value['Fn::Sub'] === 'string' && /Name$/.test(key)) {
        names.push(value['Fn::Sub'].replaceAll('${AWS::Region}', region));
        return;
      }
      for (const [k, v] of Object.entries(value)) visit(v, Array.isArray(value) ? key : k);
    };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type === 'AWS::Lambda::Version') continue;
      visit(resource.Properties ?? {}, '');
    }
    for (const output of Object.values(template.Outputs)) if (output.Export) names.push(output.Export.Name);
    return names.filter((name) => name.includes('feedpress') || name.startsWith('/aws/lambda/') || name.startsWith('sls-'));
  }

  it('gives two stages in one account and region no name in common, and no log permission over each other', () => {
    // Act
    const a = physicalNames(dev, 'us-east-1');
    const b = physicalNames(dev2, 'us-east-1');
    const logPatterns = dev.Resources.PublishRole!.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement)
      .filter((s: Json) => [s.Action].flat().some((action: string) => action.startsWith('logs:')))
      .flatMap((s: Json) => [s.Resource].flat())
      .map((r: Json) =>
        (r['Fn::Sub'] as string)
          .replace('${AWS::Partition}', 'aws')
          .replace('${AWS::Region}', 'us-east-1')
          .replace('${AWS::AccountId}', '123456789012'),
      );
    const dev2LogStream = `arn:aws:logs:us-east-1:123456789012:log-group:${dev2.Resources.PublishLogGroup!.Properties.LogGroupName}:log-stream:x`;
    // Assess
    expect(a.length).toBeGreaterThanOrEqual(8);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
    expect(logPatterns.length).toBeGreaterThan(0);
    expect(logPatterns.filter((pattern: string) => like(pattern, dev2LogStream))).toEqual([]);
  });

  it('gives one stage in two regions no account-wide name in common (IAM role, CloudFront policies and access control)', () => {
    // Prepare
    const global = ['PublishRole', 'FeedOriginAccessControl', 'FeedCachePolicy', 'FeedResponseHeadersPolicy'];
    const subset = (template: Template): Template => ({
      Resources: Object.fromEntries(global.map((id) => [id, template.Resources[id]!])),
      Outputs: {},
    });
    // Act
    const east = physicalNames(subset(dev), 'us-east-1');
    const west = physicalNames(subset(dev), 'eu-west-1');
    // Assess
    expect(east).toHaveLength(global.length);
    expect(east.filter((name) => west.includes(name))).toEqual([]);
  });
});
