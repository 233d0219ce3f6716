'use strict';
/**
 * A serverless plugin (serverless.yml, `plugins`): before a package is made, the function's
 * environment as serverless resolved it from the params is checked by the function's own
 * configuration check, from the bundle that is about to be deployed (`environmentProblems` in
 * handlers/publish.ts). A setting the function would refuse on every run (an interval over a
 * week, a seeds folder that is one of the site's own) fails the package, naming each problem,
 * instead of deploying a function that fails every run.
 *
 * The bucket and the site URL come from the stack's own resources, which exist only once it is
 * deployed: a placeholder of the same form stands in for each.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const FUNCTION = 'publish';
const BUNDLE = join('dist', 'publish', 'index.mjs');
/** Stand-ins for values CloudFormation gives at deploy time (Ref, Fn::GetAtt, Fn::Join). */
const DEPLOY_TIME = {
  FEED_BUCKET: 'feed-bucket-of-the-stack',
  SITE_URL: 'https://distribution-of-the-stack.cloudfront.net/',
};

class CheckFunctionEnvironment {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.check() };
  }

  async check() {
    const { service, serviceDir } = this.serverless;
    const fail = (message) => {
      throw new this.serverless.classes.Error(message);
    };
    const bundle = join(serviceDir, BUNDLE);
    if (!existsSync(bundle)) fail(`${BUNDLE} is missing: run \`npm run build\` first (\`npm run package\` and \`npm run deploy\` do)`);
    const declared = { ...service.provider.environment, ...service.getFunction(FUNCTION).environment };
    const env = {};
    for (const [name, value] of Object.entries(declared)) {
      if (typeof value === 'string') env[name] = value;
      else if (Object.hasOwn(DEPLOY_TIME, name)) env[name] = DEPLOY_TIME[name];
      else fail(`the ${FUNCTION} function's ${name} is not a string once resolved: ${JSON.stringify(value)}`);
    }
    const { environmentProblems } = await import(pathToFileURL(bundle).href);
    const problems = environmentProblems(env);
    if (problems.length > 0) {
      fail(
        `the ${FUNCTION} function would refuse this configuration on every run; fix the params (serverless.yml, --param):\n` +
          problems.map((problem) => `  - ${problem}`).join('\n'),
      );
    }
  }
}

module.exports = CheckFunctionEnvironment;
