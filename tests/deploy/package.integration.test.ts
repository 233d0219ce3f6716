/**
 * Packages the service offline (`serverless package`, no AWS credentials) and checks the
 * CloudFormation it would deploy and the zip it would upload. Prepare (build) and Act
 * (packaging) run once in beforeAll, as packaging takes seconds; each test is an Assess step
 * over their result.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFrontMayList, EXAMPLE, s3AnswerToCloudFront } from './bucket-policy.js';
import { listZip, prepareServiceCopy, repoRoot, serverless, type ServiceCopy, type ZipEntry } from './support.js';
import { MANIFEST_KEY } from '../../src/publish/manifest.js';
import { ARTICLES_PREFIX, archiveKeys, CONTENT_TYPES, SITE_FILES } from '../../src/site-files.js';

// CloudFormation is loosely typed JSON; the assertions below are the type checks.
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;
interface Template {
  Resources: Record<
    string,
    { Type: string; Properties?: Json; Condition?: string; DependsOn?: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string }
  >;
  Outputs: Record<string, { Value: Json; Description?: string }>;
  Conditions?: Record<string, Json>;
  Parameters?: Record<string, Json>;
}

const STOCK_CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const STOCK_CORS_AND_SECURITY_HEADERS = 'e61eb60c-9c35-4d20-a928-2b84e02af89c';
const PACKAGE_TIMEOUT = 300_000;

let service: ServiceCopy;

interface Packaged {
  readonly dir: string;
  readonly template: Template;
  readonly output: string;
}

async function packageService(name: string, extraArgs: readonly string[] = []): Promise<Packaged> {
  const dir = join(service.dir, name);
  const result = await serverless(service.dir, ['package', '--package', dir, ...extraArgs]);
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${output}`);
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template, output };
}

/** Every logical id of a given resource type. */
function ofType(template: Template, type: string): string[] {
  return Object.keys(template.Resources).filter((id) => template.Resources[id]!.Type === type);
}

function only(template: Template, type: string): { id: string; properties: Json } {
  const ids = ofType(template, type);
  expect(ids, `exactly one ${type}`).toHaveLength(1);
  return { id: ids[0]!, properties: template.Resources[ids[0]!]!.Properties };
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * The template with what changes on every packaging replaced by placeholders: the artifact's
 * S3 key (it embeds a timestamp), and the function version's logical id and code hash (they
 * follow the bundle's bytes).
 */
function normalise(template: Template): Template {
  const versionIds = ofType(template, 'AWS::Lambda::Version');
  let text = JSON.stringify(template);
  for (const [index, id] of versionIds.entries()) text = text.split(id).join(`LambdaVersion#${index}`);
  const copy = JSON.parse(text) as Template;
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Code?.S3Key) {
      resource.Properties.Code.S3Key = '<artifact key>';
    }
    if (resource.Type === 'AWS::Lambda::Version' && resource.Properties?.CodeSha256) {
      resource.Properties.CodeSha256 = '<code sha256>';
    }
  }
  return copy;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file under dir, relative, with forward slashes. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split('\\').join('/'))
    .sort();
}

let first: Packaged;
let second: Packaged;
let every15: Packaged;
let prod: Packaged;
let daily: Packaged;
let template: Template;

beforeAll(async () => {
  // Prepare: a copy of the service with a fresh build of handlers/ in its dist/.
  service = await prepareServiceCopy('feedpress-package-');
  if (service.buildOutput.code !== 0) {
    throw new Error(`build failed:\n${service.buildOutput.stdout}\n${service.buildOutput.stderr}`);
  }
  // Act: package it five times: twice with the defaults (to prove the template is stable once
  // normalised), with two other publishing intervals and once for another stage.
  first = await packageService('package-a');
  second = await packageService('package-b');
  every15 = await packageService('package-15', ['--param=publishIntervalMinutes=15']);
  prod = await packageService('package-prod', ['--stage', 'prod']);
  daily = await packageService('package-daily', ['--param=publishIntervalMinutes=1440']);
  template = first.template;
}, PACKAGE_TIMEOUT);

afterAll(() => service?.remove());

describe('serverless package (offline, no credentials)', () => {
  it('packages without warnings and writes the template and one zip', () => {
    // Assess
    expect(first.output).not.toMatch(/warning/i);
    expect(readdirSync(first.dir).sort()).toEqual([
      'cloudformation-template-create-stack.json',
      'cloudformation-template-update-stack.json',
      'feedpress.zip',
      'serverless-state.json',
    ]);
  });

  it('produces the same template every time once the random parts are normalised', () => {
    // Assess
    const a = normalise(first.template);
    const b = normalise(second.template);
    expect(JSON.stringify(a)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(b).toEqual(a);
    // The build and the zip are deterministic: the same code gives the same artifact and
    // function version, so a redeploy without changes uploads nothing new.
    expect(ofType(second.template, 'AWS::Lambda::Version')).toEqual(ofType(first.template, 'AWS::Lambda::Version'));
    expect(sha256(join(second.dir, 'feedpress.zip'))).toBe(sha256(join(first.dir, 'feedpress.zip')));
    // The stable structure: which resources exist, of which type.
    const structure = Object.fromEntries(Object.entries(a.Resources).map(([id, r]) => [id, r.Type]));
    expect(structure).toEqual({
      ServerlessDeploymentBucket: 'AWS::S3::Bucket',
      ServerlessDeploymentBucketPolicy: 'AWS::S3::BucketPolicy',
      PublishLogGroup: 'AWS::Logs::LogGroup',
      PublishRole: 'AWS::IAM::Role',
      PublishLambdaFunction: 'AWS::Lambda::Function',
      'LambdaVersion#0': 'AWS::Lambda::Version',
      PublishLambdaEvConf: 'AWS::Lambda::EventInvokeConfig',
      PublishEventsRuleSchedule1: 'AWS::Events::Rule',
      PublishLambdaPermissionEventsRuleSchedule1: 'AWS::Lambda::Permission',
      FeedBucket: 'AWS::S3::Bucket',
      FeedBucketPolicy: 'AWS::S3::BucketPolicy',
      FeedOriginAccessControl: 'AWS::CloudFront::OriginAccessControl',
      FeedCachePolicy: 'AWS::CloudFront::CachePolicy',
      FeedResponseHeadersPolicy: 'AWS::CloudFront::ResponseHeadersPolicy',
      FeedDistribution: 'AWS::CloudFront::Distribution',
      PublishDeadLetterQueue: 'AWS::SQS::Queue',
      AlarmTopic: 'AWS::SNS::Topic',
      AlarmEmailSubscription: 'AWS::SNS::Subscription',
      PublishErrorsAlarm: 'AWS::CloudWatch::Alarm',
      DeadLetterQueueAlarm: 'AWS::CloudWatch::Alarm',
      MissedRunsAlarm: 'AWS::CloudWatch::Alarm',
    });
  });

  describe('the publish function', () => {
    it('runs the bundle on nodejs24.x, arm64, with reserved concurrency 1', () => {
      // Assess
      const fn = template.Resources.PublishLambdaFunction!.Properties;
      expect(fn.Handler).toBe('dist/publish/index.handler');
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.ReservedConcurrentExecutions).toBe(1);
      expect(fn.MemorySize).toBe(512);
      expect(fn.Timeout).toBe(60);
      expect(fn.Code.S3Key).toMatch(/\/feedpress\.zip$/);
    });

    it('gets its bucket and public URL from the stack and its settings from the params', () => {
      // Assess
      const vars = template.Resources.PublishLambdaFunction!.Properties.Environment.Variables;
      expect(vars.FEED_BUCKET).toEqual({ Ref: 'FeedBucket' });
      expect(vars.SITE_URL).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['FeedDistribution', 'DomainName'] }]] });
      expect(vars).toMatchObject({
        SEEDS_SOURCE: 'bundle',
        SEEDS_PREFIX: 'seeds/',
        CACHE_CONTROL: 'max-age=300',
        PUBLISH_INTERVAL_MINUTES: '60',
      });
      // Nothing meant for a local s3rver leaks into AWS.
      for (const name of [
        'S3_ENDPOINT',
        'S3_FORCE_PATH_STYLE',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'FEED_HOME_URL',
      ]) {
        expect(vars).not.toHaveProperty(name);
      }
    });

    it('is invoked hourly by an EventBridge rule allowed to call it', () => {
      // Assess
      const rule = template.Resources.PublishEventsRuleSchedule1!.Properties;
      expect(rule.ScheduleExpression).toBe('rate(60 minutes)');
      expect(rule.State).toBe('ENABLED');
      expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] } })]);
      const permission = template.Resources.PublishLambdaPermissionEventsRuleSchedule1!.Properties;
      expect(permission).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] },
        SourceArn: { 'Fn::GetAtt': ['PublishEventsRuleSchedule1', 'Arn'] },
      });
    });

    it('derives the schedule and PUBLISH_INTERVAL_MINUTES from one param', () => {
      // Assess
      const resources = every15.template.Resources;
      expect(resources.PublishEventsRuleSchedule1!.Properties.ScheduleExpression).toBe('rate(15 minutes)');
      expect(resources.PublishLambdaFunction!.Properties.Environment.Variables.PUBLISH_INTERVAL_MINUTES).toBe('15');
    });

    it('sends failed asynchronous runs to the SQS dead-letter queue', () => {
      // Assess
      const config = only(template, 'AWS::Lambda::EventInvokeConfig').properties;
      expect(config.FunctionName).toEqual({ Ref: 'PublishLambdaFunction' });
      expect(config.Qualifier).toBe('$LATEST');
      expect(config.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['PublishDeadLetterQueue', 'Arn'] });
      expect(template.Resources.PublishDeadLetterQueue!.Type).toBe('AWS::SQS::Queue');
      expect(template.Resources.PublishDeadLetterQueue!.Properties.MessageRetentionPeriod).toBe(1_209_600);
    });

    it('keeps its logs for 30 days, in a log group created before the function', () => {
      // Assess
      expect(template.Resources.PublishLogGroup!.Properties).toEqual({
        LogGroupName: '/aws/lambda/feedpress-dev-publish',
        RetentionInDays: 30,
      });
      // The role may not create log groups: this one must exist when the function first runs.
      expect(template.Resources.PublishLambdaFunction!.DependsOn).toContain('PublishLogGroup');
    });
  });

  describe('IAM', () => {
    // The function's role; serverless' deployment bucket and its policy are not the function's.
    const roleStatements = (of: Template = template): Json[] => {
      const statements: Json[] = [];
      for (const [id, resource] of Object.entries(of.Resources)) {
        if (resource.Type === 'AWS::IAM::Role') {
          for (const policy of resource.Properties.Policies ?? []) statements.push(...asArray(policy.PolicyDocument.Statement));
          expect(resource.Properties.ManagedPolicyArns ?? [], `${id} has no managed policies`).toEqual([]);
        }
        if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
          statements.push(...asArray(resource.Properties.PolicyDocument.Statement));
        }
      }
      return statements;
    };

    it('has one role, the function’s, assumable by Lambda only', () => {
      // Assess
      expect(ofType(template, 'AWS::IAM::Role')).toEqual(['PublishRole']);
      expect(template.Resources.PublishLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['PublishRole', 'Arn'] });
      expect(template.Resources.PublishRole!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    });

    it('has no wildcard action or resource, and nothing but Allow statements beside the one that keeps the seeds unwritable', () => {
      // Act
      const statements = roleStatements().filter((s) => s.Sid !== 'NeverWriteSeeds');
      // Assess
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const where = JSON.stringify(statement);
        expect(statement.Effect, where).toBe('Allow');
        expect(statement, where).not.toHaveProperty('NotAction');
        expect(statement, where).not.toHaveProperty('NotResource');
        for (const action of asArray(statement.Action)) {
          expect(typeof action, where).toBe('string');
          expect(action, where).not.toContain('*');
        }
        for (const resource of asArray(statement.Resource)) {
          // A resource is either a reference to a resource of this stack or an ARN string;
          // neither may be "*" nor an ARN that ends in a bare wildcard for a whole service.
          const text = typeof resource === 'string' ? resource : (resource['Fn::Sub'] ?? JSON.stringify(resource));
          expect(text, where).not.toBe('*');
          expect(text, where).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
          expect(text, where).not.toMatch(/^arn:[^:]*:s3:::\*/);
        }
      }
    });

    it('denies writing or deleting under the seeds prefix, whatever the allows say', () => {
      // Act
      const denies = roleStatements().filter((s) => s.Effect === 'Deny');
      // Assess: the function only reads the seeds a bucket keeps; the authors write them.
      const bucketArn = { 'Fn::GetAtt': ['FeedBucket', 'Arn'] };
      expect(denies).toEqual([
        {
          Sid: 'NeverWriteSeeds',
          Effect: 'Deny',
          Action: ['s3:PutObject', 's3:DeleteObject'],
          Resource: [{ 'Fn::Join': ['', [bucketArn, '/seeds/*']] }],
        },
      ]);
    });

    it('allows exactly the S3 actions the publisher uses, on the feed bucket only', () => {
      // Act
      const s3 = roleStatements().filter((s) => s.Effect === 'Allow' && asArray(s.Action).some((a: string) => a.startsWith('s3:')));
      // Assess
      const grants = s3.flatMap((s) => asArray(s.Action).map((action: string) => ({ action, resources: asArray(s.Resource) })));
      const bucketArn = { 'Fn::GetAtt': ['FeedBucket', 'Arn'] };
      const objectsArn = { 'Fn::Join': ['', [bucketArn, '/*']] };
      expect(grants.map((g) => g.action).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
      expect(grants.find((g) => g.action === 's3:ListBucket')!.resources).toEqual([bucketArn]);
      expect(grants.find((g) => g.action === 's3:GetObject')!.resources).toEqual([objectsArn]);
      // Writes: the site's own files, the pages, the archive documents and the manifest, by name.
      expect(grants.find((g) => g.action === 's3:PutObject')!.resources).toEqual([
        ...Object.values(SITE_FILES).map((key) => ({ 'Fn::Join': ['', [bucketArn, `/${key}`]] })),
        { 'Fn::Join': ['', [bucketArn, `/${ARTICLES_PREFIX}*`]] },
        ...Object.values(archiveKeys(1)).map((key) => ({ 'Fn::Join': ['', [bucketArn, `/${key.replace('1', '*')}`]] })),
        { 'Fn::Join': ['', [bucketArn, `/${MANIFEST_KEY}`]] },
      ]);
      // Unpublishing deletes a page, and an archive that lost a page its documents beyond it: the
      // article pages, and the archive documents by their names (not notes kept under archive/).
      expect(grants.find((g) => g.action === 's3:DeleteObject')!.resources).toEqual([
        { 'Fn::Join': ['', [bucketArn, `/${ARTICLES_PREFIX}*`]] },
        ...Object.values(archiveKeys(1)).map((key) => ({ 'Fn::Join': ['', [bucketArn, `/${key.replace('1', '*')}`]] })),
      ]);
    });

    it('allows sqs:SendMessage on the dead-letter queue, nothing else outside S3 and the logs', () => {
      // Act
      const others = roleStatements().filter((s) => !asArray(s.Action).some((a: string) => /^(s3|logs):/.test(a)));
      // Assess
      expect(others).toHaveLength(1);
      expect(asArray(others[0].Action)).toEqual(['sqs:SendMessage']);
      expect(asArray(others[0].Resource)).toEqual([{ 'Fn::GetAtt': ['PublishDeadLetterQueue', 'Arn'] }]);
    });

    // The log group (and its streams) of this stage's function exactly: no wildcard that would
    // also match another stage's log groups (feedpress-dev* covers feedpress-dev2-publish).
    for (const stage of ['dev', 'prod']) {
      it(`lets the ${stage} function write to its own log group only`, () => {
        // Arrange
        const packaged = stage === 'prod' ? prod : first;
        const resources = packaged.template.Resources;
        const functionName = `feedpress-${stage}-publish`;
        const logGroupName = `/aws/lambda/${functionName}`;
        // Act
        const logs = roleStatements(packaged.template).filter((s) => asArray(s.Action).some((a: string) => a.startsWith('logs:')));
        // Assess
        expect(resources.PublishLambdaFunction!.Properties.FunctionName).toBe(functionName);
        expect(resources.PublishLogGroup!.Properties.LogGroupName).toBe(logGroupName);
        expect(logs.length).toBeGreaterThan(0);
        const actions = logs.flatMap((s) => asArray(s.Action)).sort();
        expect(actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        for (const statement of logs) {
          expect(
            asArray(statement.Action).every((a: string) => a.startsWith('logs:')),
            JSON.stringify(statement),
          ).toBe(true);
          expect(asArray(statement.Resource)).toEqual([
            { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroupName}:*` },
          ]);
        }
      });
    }
  });

  describe('the feed bucket', () => {
    it('blocks all public access, encrypts with SSE-S3 and keeps versions', () => {
      // Assess
      const bucket = template.Resources.FeedBucket!;
      // Kept on removal and replacement, but not when the deploy that creates it rolls back.
      expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties).not.toHaveProperty('WebsiteConfiguration');
    });

    it('denies every request that is not over TLS', () => {
      // Assess
      const policy = template.Resources.FeedBucketPolicy!.Properties;
      expect(policy.Bucket).toEqual({ Ref: 'FeedBucket' });
      const deny = policy.PolicyDocument.Statement.filter((s: Json) => s.Effect === 'Deny' && s.Principal === '*');
      expect(deny).toHaveLength(1);
      expect(deny[0]).toMatchObject({
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(deny[0].Resource).toEqual([
        { 'Fn::GetAtt': ['FeedBucket', 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['FeedBucket', 'Arn'] }, '/*']] },
      ]);
    });

    it('lets only this stack’s CloudFront distribution read, and nobody else anything', () => {
      // Assess
      const allow = template.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement.filter((s: Json) => s.Effect === 'Allow');
      expect(allow.map((s: Json) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
      for (const statement of allow) {
        expect(statement.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
        expect(statement.Condition.StringEquals['AWS:SourceArn']['Fn::Sub']).toBe(
          'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${FeedDistribution}',
        );
      }
      expect(allow[0].Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['FeedBucket', 'Arn'] }, '/*']] });
      expect(allow[1].Resource).toEqual({ 'Fn::GetAtt': ['FeedBucket', 'Arn'] });
    });

    it('lets CloudFront list only published keys, so that S3 can tell it a key is missing', () => {
      // Assess
      const list = template.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement.find(
        (s: Json) => s.Effect === 'Allow' && s.Action === 's3:ListBucket',
      );
      expect(list.Condition.StringLike).toEqual({ 's3:prefix': '?*' });
      expect(list.Condition.StringNotLike).toEqual({ 's3:prefix': ['seeds/*', '_publish/*'] });
    });
  });

  describe('what S3 answers CloudFront', () => {
    // S3's own rule, applied to the packaged bucket policy (tests/deploy/bucket-policy.ts).
    const statements = (): Json[] => template.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement;

    it('serves published objects', () => {
      // Assess
      for (const key of ['index.html', 'rss.xml', 'feed.json', '404.html', 'articles/some-article.html']) {
        expect(s3AnswerToCloudFront(statements(), key, true), key).toBe(200);
      }
    });

    it('answers 404, not 403, for a missing published key', () => {
      // Assess
      for (const key of ['articles/not-yet.html', 'no-such-page', 'rss.xml.bak', 'seeds', '_publish']) {
        expect(s3AnswerToCloudFront(statements(), key, false), key).toBe(404);
      }
    });

    it('answers 403 in the seeds folder and _publish/, whether the key exists or not', () => {
      // Assess
      for (const key of ['seeds/2030-01-01-held-back.txt', 'seeds/missing.txt', '_publish/manifest.json', '_publish/missing']) {
        expect(s3AnswerToCloudFront(statements(), key, true), key).toBe(403);
        expect(s3AnswerToCloudFront(statements(), key, false), key).toBe(403);
      }
    });

    it('lets no listing of the whole bucket or of the held-back folders through, and no other distribution anything', () => {
      // Assess
      for (const prefix of [undefined, '', 'seeds/', 'seeds/2030', '_publish/']) {
        expect(cloudFrontMayList(statements(), prefix), String(prefix)).toBe(false);
      }
      expect(s3AnswerToCloudFront(statements(), 'index.html', true, EXAMPLE.otherDistributionArn)).toBe(403);
      expect(s3AnswerToCloudFront(statements(), 'missing.html', false, EXAMPLE.otherDistributionArn)).toBe(403);
    });
  });

  describe('what readers cannot reach', () => {
    it('keeps seeds (held articles included) and the manifest out of CloudFront', () => {
      // Assess
      const statements = template.Resources.FeedBucketPolicy!.Properties.PolicyDocument.Statement;
      const deny = statements.filter((s: Json) => s.Effect === 'Deny' && s.Principal?.Service === 'cloudfront.amazonaws.com');
      expect(deny).toHaveLength(1);
      expect(deny[0].Action).toBe('s3:GetObject');
      expect(deny[0].Resource).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['FeedBucket', 'Arn'] }, '/seeds/*']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['FeedBucket', 'Arn'] }, '/_publish/*']] },
      ]);
    });
  });

  describe('CloudFront', () => {
    it('reaches the bucket through Origin Access Control (SigV4)', () => {
      // Assess
      const oac = only(template, 'AWS::CloudFront::OriginAccessControl');
      expect(oac.properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      const config = template.Resources.FeedDistribution!.Properties.DistributionConfig;
      expect(config.Origins).toHaveLength(1);
      expect(config.Origins[0]).toMatchObject({
        DomainName: { 'Fn::GetAtt': ['FeedBucket', 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oac.id, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      });
    });

    it('serves HTTPS only, compressed, with index.html at the root', () => {
      // Assess
      const config = template.Resources.FeedDistribution!.Properties.DistributionConfig;
      expect(config.Enabled).toBe(true);
      expect(config.DefaultRootObject).toBe('index.html');
      expect(config.DefaultCacheBehavior).toMatchObject({
        TargetOriginId: config.Origins[0].Id,
        ViewerProtocolPolicy: 'redirect-to-https',
        Compress: true,
        // OPTIONS for browser-based readers' CORS preflights, which are not cached.
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        CachedMethods: ['GET', 'HEAD'],
      });
      expect(config.CacheBehaviors ?? []).toEqual([]);
    });

    it('compresses every type the publisher writes: each is on CloudFront’s list of compressed types', () => {
      // Prepare: from AWS's "Serve compressed files" page, the types among those CloudFront
      // compresses that a site like this one could use. application/feed+json is not one.
      const compressed = ['application/json', 'application/xml', 'application/rss+xml', 'application/atom+xml', 'text/html', 'text/css'];
      // Act
      const written = Object.entries(CONTENT_TYPES)
        .filter(([kind]) => kind !== 'manifest')
        .map(([, type]) => type.split(';')[0]!);
      // Assess
      expect(written.filter((type) => !compressed.includes(type))).toEqual([]);
    });

    it('answers a missing object with the 404.html page and status 404, cached for a minute', () => {
      // Assess
      const config = template.Resources.FeedDistribution!.Properties.DistributionConfig;
      expect(config.CustomErrorResponses).toEqual([
        { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 60 },
      ]);
    });

    describe('response headers', () => {
      const policy = (): Json => template.Resources.FeedResponseHeadersPolicy!.Properties.ResponseHeadersPolicyConfig;

      it('come from this stack’s own policy, on every response (there is one cache behavior)', () => {
        // Assess
        const config = template.Resources.FeedDistribution!.Properties.DistributionConfig;
        expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: 'FeedResponseHeadersPolicy' });
        expect(config.CacheBehaviors ?? []).toEqual([]);
        // Unique per account, so the region is in the name: one stage can be deployed to two regions.
        expect(policy().Name).toEqual({ 'Fn::Sub': 'feedpress-dev-${AWS::Region}-security-headers' });
        expect(prod.template.Resources.FeedResponseHeadersPolicy!.Properties.ResponseHeadersPolicyConfig.Name).toEqual({
          'Fn::Sub': 'feedpress-prod-${AWS::Region}-security-headers',
        });
      });

      it('carry a CSP that allows the pages’ inline styles and the feeds’ own stylesheet, and nothing else: no script, frame, form or base', () => {
        // Assess
        const csp = policy().SecurityHeadersConfig.ContentSecurityPolicy;
        expect(csp.Override).toBe(true);
        // 'self' in style-src is for feed.css, which rss.xml and atom.xml name (tests/browser checks that it styles them).
        expect(csp.ContentSecurityPolicy).toBe(
          "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        );
        const directives = new Map<string, string>(
          csp.ContentSecurityPolicy.split(';').map((d: string) => {
            const [name, ...values] = d.trim().split(/\s+/);
            return [name!, values.join(' ')] as const;
          }),
        );
        expect(directives.get('default-src')).toBe("'none'");
        expect(directives.has('script-src')).toBe(false);
      });

      it('carry nosniff, HSTS for a year with subdomains, a referrer policy and no framing', () => {
        // Assess
        const headers = policy().SecurityHeadersConfig;
        expect(headers.ContentTypeOptions).toEqual({ Override: true });
        expect(headers.StrictTransportSecurity).toEqual({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true });
        expect(headers.ReferrerPolicy).toEqual({ ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true });
        expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
        expect(headers).not.toHaveProperty('XSSProtection');
      });

      it('let browser-based readers fetch the feeds from any origin, without credentials', () => {
        // Assess
        expect(policy().CorsConfig).toMatchObject({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
          AccessControlAllowCredentials: false,
        });
      });

      it('let a preflight through to the bucket, whose CORS rules answer it (S3 answers OPTIONS 403 without them)', () => {
        // Assess
        expect(template.Resources.FeedDistribution!.Properties.DistributionConfig.DefaultCacheBehavior.AllowedMethods).toContain('OPTIONS');
        expect(template.Resources.FeedBucket!.Properties.CorsConfiguration).toEqual({
          CorsRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAge: 86_400 }],
        });
      });
    });

    it('caches with its own policy that honours Cache-Control, not the stock CachingOptimized one', () => {
      // Assess
      const behavior = template.Resources.FeedDistribution!.Properties.DistributionConfig.DefaultCacheBehavior;
      expect(behavior.CachePolicyId).toEqual({ Ref: 'FeedCachePolicy' });
      expect(JSON.stringify(template)).not.toContain(STOCK_CACHING_OPTIMIZED);
      expect(JSON.stringify(template)).not.toContain(STOCK_CORS_AND_SECURITY_HEADERS);
      const policy = template.Resources.FeedCachePolicy!.Properties.CachePolicyConfig;
      expect(policy).toMatchObject({ MinTTL: 0, DefaultTTL: 300, MaxTTL: 86_400 });
      expect(policy.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      });
    });
  });

  it('alarms while a run that failed every retry waits in the dead-letter queue', () => {
    // Assess
    const alarm = template.Resources.DeadLetterQueueAlarm!.Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['PublishDeadLetterQueue', 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('alarms on any error of the publish function', () => {
    // Assess
    const alarm = template.Resources.PublishErrorsAlarm!.Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'PublishLambdaFunction' } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    // The email subscription only exists when an address is given.
    expect(template.Resources.AlarmEmailSubscription!.Condition).toBe('HasAlarmEmail');
    expect(template.Conditions!.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }] });
    expect(template.Parameters!.AlarmEmail).toMatchObject({ Type: 'String', Default: '' });
  });

  it('alarms when no run started in two schedule intervals: a schedule that stopped fails nothing else', () => {
    // Assess
    const alarm = (packaged: Packaged) => packaged.template.Resources.MissedRunsAlarm!.Properties;
    expect(alarm(first)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'PublishLambdaFunction' } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // A period without a run has no data point: that is the breach.
      TreatMissingData: 'breaching',
      ActionsEnabled: true,
    });
    expect(alarm(first).AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    // Two intervals of the schedule (60 and 15 minutes) in 5-minute periods, every one of them empty.
    const window = (packaged: Packaged) => {
      const { Period, EvaluationPeriods, DatapointsToAlarm } = alarm(packaged) as Record<string, number>;
      expect(DatapointsToAlarm).toBe(EvaluationPeriods);
      return Period! * EvaluationPeriods!;
    };
    expect([window(first), window(every15)]).toEqual([2 * 60 * 60, 2 * 15 * 60]);
    // CloudWatch looks back one day at most: a daily schedule cannot be told from a stopped one.
    expect(window(daily)).toBe(86_400);
    expect(alarm(daily).ActionsEnabled).toBe(false);
  });

  it('outputs the bucket name, the distribution domain and the public feed URLs', () => {
    // Assess
    const outputs = template.Outputs;
    expect(outputs.FeedBucketName!.Value).toEqual({ Ref: 'FeedBucket' });
    expect(outputs.FeedDistributionDomain!.Value).toEqual({ 'Fn::GetAtt': ['FeedDistribution', 'DomainName'] });
    expect(outputs.RssFeedUrl!.Value).toEqual({ 'Fn::Sub': 'https://${FeedDistribution.DomainName}/rss.xml' });
    expect(outputs.AtomFeedUrl!.Value).toEqual({ 'Fn::Sub': 'https://${FeedDistribution.DomainName}/atom.xml' });
    expect(outputs.JsonFeedUrl!.Value).toEqual({ 'Fn::Sub': 'https://${FeedDistribution.DomainName}/feed.json' });
  });

  describe('the deployment zip', () => {
    let entries: ZipEntry[];
    beforeAll(() => {
      // Act
      entries = listZip(join(first.dir, 'feedpress.zip'));
    });

    it('holds the bundle and the seeds, and nothing else (no source map)', () => {
      // Assess
      const names = entries.map((e) => e.name).sort();
      const seeds = filesUnder(join(repoRoot, 'seeds')).map((f) => `dist/publish/seeds/${f}`);
      expect(seeds.length).toBeGreaterThan(0);
      expect(names).toEqual(['dist/publish/index.mjs', ...seeds].sort());
    });

    it('is at most 250 KB', () => {
      // Assess
      const zipBytes = statSync(join(first.dir, 'feedpress.zip')).size;
      expect(zipBytes).toBeLessThanOrEqual(250 * 1000);
    });

    it('has nothing from node_modules, sources, tests, infra or the lock file', () => {
      // Assess
      for (const { name } of entries) {
        expect(name).not.toMatch(/(^|\/)(node_modules|src|tests|infra|handlers|scripts)\//);
        expect(name).not.toMatch(/package(-lock)?\.json$|serverless\.yml$|\.ts$|\.cjs$/);
      }
    });

    it("bundles xml-js's writers without its reader and sax, which nothing here calls", () => {
      // Assess: the source map names every file the bundle holds code from.
      const { sources } = JSON.parse(readFileSync(join(service.dir, 'dist', 'publish', 'index.mjs.map'), 'utf8')) as { sources: string[] };
      expect(sources.some((source) => source.endsWith('node_modules/xml-js/lib/js2xml.js'))).toBe(true);
      expect(sources.filter((source) => /node_modules\/(sax\/|xml-js\/lib\/xml2js)/.test(source))).toEqual([]);
    });

    it('carries the bundle byte for byte as built', () => {
      // Assess
      const bundle = entries.find((e) => e.name === 'dist/publish/index.mjs')!;
      const built = statSync(join(service.dir, 'dist', 'publish', 'index.mjs')).size;
      expect(bundle.size).toBe(built);
      // The map stays in dist/, linked from the bundle: Node finds it with --enable-source-maps
      // when the bundle runs here, and it maps a trace from the Lambda's logs (README).
      expect(readFileSync(join(service.dir, 'dist', 'publish', 'index.mjs'), 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(service.dir, 'dist', 'publish', 'index.mjs.map'))).toBe(true);
    });
  });
});
