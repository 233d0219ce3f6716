/**
 * Checks the packaged CloudFormation templates offline against CloudFormation's own resource
 * specification (tests/deploy/template-spec.ts), for two stages, and shows on broken copies that
 * the check finds what it should. Prepare (build) and Act (packaging, loading the
 * specification) run once in beforeAll.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareServiceCopy, serverless, type ServiceCopy } from './support.js';
import { formatIssue, loadTemplateChecker, type TemplateChecker } from './template-spec.js';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;

const STAGES = ['dev', 'prod'] as const;
const PACKAGE_TIMEOUT = 300_000;

let service: ServiceCopy;
let check: TemplateChecker;
const templates = new Map<string, Json>();

const copyOf = (stage: string): Json => structuredClone(templates.get(stage));

beforeAll(async () => {
  // Prepare
  service = await prepareServiceCopy('feedpress-spec-');
  if (service.buildOutput.code !== 0) {
    throw new Error(`build failed:\n${service.buildOutput.stdout}\n${service.buildOutput.stderr}`);
  }
  // Act
  const [checker] = await Promise.all([
    loadTemplateChecker(),
    (async () => {
      for (const stage of STAGES) {
        const dir = join(service.dir, `package-${stage}`);
        const result = await serverless(service.dir, ['package', '--stage', stage, '--package', dir]);
        if (result.code !== 0) throw new Error(`serverless package --stage ${stage} failed:\n${result.stdout}\n${result.stderr}`);
        templates.set(stage, JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')));
      }
    })(),
  ]);
  check = checker;
}, PACKAGE_TIMEOUT);

afterAll(() => service?.remove());

describe('the packaged template against the CloudFormation resource specification', () => {
  for (const stage of STAGES) {
    it(`stage ${stage}: every resource type, property, required property and value type is valid`, () => {
      // Act
      const issues = check(templates.get(stage)).map(formatIssue);
      // Assess
      expect(issues).toEqual([]);
      expect(Object.keys(templates.get(stage).Resources).length).toBeGreaterThan(10);
    });
  }

  it('reports a misspelt property and a string where a boolean belongs, each with its resource and path', () => {
    // Arrange
    const template = copyOf('dev');
    template.Resources.FeedBucket.Properties.BucketNmae = 'feeds';
    template.Resources.FeedDistribution.Properties.DistributionConfig.Enabled = 'yes';
    // Act
    const issues = check(template);
    // Assess
    expect(issues.map(formatIssue)).toEqual([
      'FeedBucket (AWS::S3::Bucket) Properties.BucketNmae: no such property in AWS::S3::Bucket (did you mean BucketName?)',
      'FeedDistribution (AWS::CloudFront::Distribution) Properties.DistributionConfig.Enabled: expected a boolean, got the string "yes"',
    ]);
    expect(issues.map(({ logicalId, path }) => ({ logicalId, path }))).toEqual([
      { logicalId: 'FeedBucket', path: 'Properties.BucketNmae' },
      { logicalId: 'FeedDistribution', path: 'Properties.DistributionConfig.Enabled' },
    ]);
  });

  it('reports missing required properties, values outside an enum and wrong types deep in nested types', () => {
    // Arrange
    const template = copyOf('dev');
    delete template.Resources.FeedCachePolicy.Properties.CachePolicyConfig.MinTTL;
    template.Resources.PublishLogGroup.Properties.RetentionInDays = 31;
    template.Resources.FeedResponseHeadersPolicy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec =
      'a year';
    template.Resources.AlarmTopic.Properties.Tags = [{ Key: 'team', Valeu: 'feeds' }];
    // Act
    const issues = check(template).map(formatIssue);
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        'FeedCachePolicy (AWS::CloudFront::CachePolicy) Properties.CachePolicyConfig.MinTTL: required by CachePolicyConfig, missing',
        expect.stringMatching(
          /^PublishLogGroup \(AWS::Logs::LogGroup\) Properties\.RetentionInDays: 31 is not one of 1, 3, 5, 7, 14, 30, /,
        ),
        'FeedResponseHeadersPolicy (AWS::CloudFront::ResponseHeadersPolicy) Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec: expected an integer, got the string "a year"',
        'AlarmTopic (AWS::SNS::Topic) Properties.Tags.0.Valeu: no such property in Tag (did you mean Value?)',
        'AlarmTopic (AWS::SNS::Topic) Properties.Tags.0.Value: required by Tag, missing',
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('reports unknown types, dangling references and unresolved serverless variables', () => {
    // Arrange
    const template = copyOf('dev');
    template.Resources.AlarmTopic.Type = 'AWS::SNS::Topik';
    template.Resources.FeedDistribution.Properties.DistributionConfig.Origins[0].DomainName = {
      'Fn::GetAtt': ['FeedBucket', 'RegionalDomain'],
    };
    template.Resources.PublishErrorsAlarm.Properties.AlarmActions = [{ Ref: 'AlarmTopics' }];
    template.Resources.PublishLambdaFunction.Properties.Environment.Variables.SEEDS_PREFIX = '${param:seedsPrefix}';
    template.Outputs.SiteUrl.Value = { 'Fn::Sub': 'https://${FeedDistribution.Domain}/' };
    template.Outputs.RssFeedUrl.Value = { 'Fn::Sub': 'https://${FeedDistribution.DomainName}/${param:rssPath}' };
    // Act
    const issues = check(template).map(formatIssue);
    // Assess
    expect(issues).toEqual([
      'PublishLambdaFunction (AWS::Lambda::Function) Properties.Environment.Variables.SEEDS_PREFIX: unresolved serverless variable in "${param:seedsPrefix}"',
      expect.stringMatching(
        /^FeedDistribution \(AWS::CloudFront::Distribution\) Properties\.DistributionConfig\.Origins\.0\.DomainName: reads FeedBucket\.RegionalDomain, but AWS::S3::Bucket has no attribute "RegionalDomain" \(it has: Arn, DomainName, /,
      ),
      'AlarmTopic (AWS::SNS::Topik) Type: AWS::SNS::Topik is not a CloudFormation resource type',
      'PublishErrorsAlarm (AWS::CloudWatch::Alarm) Properties.AlarmActions.0: refers to "AlarmTopics", which is no resource, parameter or pseudo parameter of the template',
      expect.stringMatching(
        /^SiteUrl \(Outputs\) Value: reads FeedDistribution\.Domain, but AWS::CloudFront::Distribution has no attribute "Domain"/,
      ),
      'RssFeedUrl (Outputs) Value.Fn::Sub: unresolved serverless variable in "https://${FeedDistribution.DomainName}/${param:rssPath}"',
    ]);
  });
});
