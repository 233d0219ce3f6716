/**
 * An offline check of a CloudFormation template against CloudFormation's own resource
 * specification: the registry schemas of every resource type, as shipped (compressed) by
 * @aws-cdk/aws-service-spec. `serverless package` validates serverless.yml but passes the
 * resources of infra/ through untouched, so a misspelt property or a wrong value type would
 * only show up during a deploy, half-way through a stack update.
 *
 * What it checks, for every resource: the type exists; every property exists; every required
 * property is there; every value has the type the schema gives it (strings, numbers, integers,
 * booleans, arrays, maps, tags and nested property types, walked to the bottom) and is one of
 * the allowed values where the schema lists them. Template-wide: every Ref, Fn::GetAtt and
 * Fn::Sub names a resource, parameter or pseudo parameter of the template, and every
 * attribute exists on its resource's type; DependsOn and Condition name what exists; no
 * serverless variable was left unresolved.
 *
 * Not checked: patterns, lengths and ranges (the database keeps only types and enums), and
 * the contents of JSON-typed values such as policy documents.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, ResourceProperties, TypeDefinition } from '@aws-cdk/service-spec-types';

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

/** One problem, located: the resource's logical id and type, and the path to the value. */
export interface TemplateIssue {
  readonly logicalId: string;
  readonly type: string;
  /** Dotted path from the resource, e.g. `Properties.DistributionConfig.Enabled`. */
  readonly path: string;
  readonly message: string;
}

/** `FeedBucket (AWS::S3::Bucket) Properties.BucketNmae: no such property ...` */
export const formatIssue = (issue: TemplateIssue): string => `${issue.logicalId} (${issue.type}) ${issue.path}: ${issue.message}`;

export type TemplateChecker = (template: unknown) => TemplateIssue[];

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);

const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];

/** A serverless variable that survived packaging: `${self:...}`, `${param:...}`, `${file(...)}`... */
const UNRESOLVED_VARIABLE = /\$\{(?:self|sls|param|opt|env|file|cf|s3|ssm|aws|strToBool)[:(]/;

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Ref": ... }` or `{ "Fn::Xxx": ... }`: its value is only known at deploy time. */
function isIntrinsic(value: Json): value is JsonObject {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

/** A string with a `${...}` in it: a substitution, matched like an intrinsic function. */
const isSubstitution = (value: Json): boolean => typeof value === 'string' && value.includes('${');

const show = (value: Json): string => {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (isObject(value)) return 'an object';
  return `the ${typeof value} ${JSON.stringify(value)}`;
};

function describeType(type: PropertyType, db: SpecDatabase): string {
  switch (type.type) {
    case 'ref':
      return `an object of type ${db.get('typeDefinition', type.reference).name}`;
    case 'array':
      return `an array of ${describeType(type.element, db)}`;
    case 'map':
      return `a map of ${describeType(type.element, db)}`;
    case 'union':
      return type.types.map((t) => describeType(t, db)).join(' or ');
    case 'tag':
      return 'a tag ({ Key, Value })';
    case 'json':
      return 'JSON';
    default:
      return `a ${type.type}`;
  }
}

/** Walks one resource's properties against its schema. */
class ValueChecker {
  readonly issues: TemplateIssue[] = [];

  constructor(
    private readonly db: SpecDatabase,
    private readonly logicalId: string,
    private readonly resourceType: string,
  ) {}

  private report(path: string, message: string): void {
    this.issues.push({ logicalId: this.logicalId, type: this.resourceType, path, message });
  }

  /** Checks an object against a set of property definitions (a resource's or a nested type's). */
  checkProperties(value: Json, properties: ResourceProperties, path: string, typeName: string): void {
    if (isIntrinsic(value)) return;
    if (!isObject(value)) {
      this.report(path, `expected an object of type ${typeName}, got ${show(value)}`);
      return;
    }
    for (const [name, propertyValue] of Object.entries(value)) {
      const property = properties[name];
      if (!property) {
        this.report(`${path}.${name}`, `no such property in ${typeName} (${suggest(name, Object.keys(properties))})`);
        continue;
      }
      this.checkValue(propertyValue, property.type, `${path}.${name}`);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in value)) this.report(`${path}.${name}`, `required by ${typeName}, missing`);
    }
  }

  checkValue(value: Json, type: PropertyType, path: string): void {
    if (isIntrinsic(value)) return;
    switch (type.type) {
      case 'string':
        // CloudFormation writes a number or a boolean given for a string property as a string.
        if (typeof value === 'number' || typeof value === 'boolean') return;
        if (typeof value !== 'string') {
          this.report(path, `expected a string, got ${show(value)}`);
          return;
        }
        if (type.allowedValues && !isSubstitution(value) && !type.allowedValues.includes(value)) {
          this.report(path, `${JSON.stringify(value)} is not one of ${type.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`);
        }
        return;
      case 'number':
      case 'integer': {
        if (isSubstitution(value)) return;
        // CloudFormation also takes a number written as a string ("30"), as YAML often has it.
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        const expected = type.type === 'integer' ? 'an integer' : 'a number';
        if (typeof number !== 'number' || !Number.isFinite(number)) {
          this.report(path, `expected ${expected}, got ${show(value)}`);
          return;
        }
        if (type.type === 'integer') {
          if (!Number.isInteger(number)) {
            this.report(path, `expected ${expected}, got ${show(value)}`);
            return;
          }
          if (type.allowedValues && !type.allowedValues.includes(number)) {
            this.report(path, `${number} is not one of ${type.allowedValues.join(', ')}`);
          }
        }
        return;
      }
      case 'boolean':
        // "true" and "false" are what CloudFormation itself turns into booleans.
        if (typeof value === 'boolean' || value === 'true' || value === 'false' || isSubstitution(value)) return;
        this.report(path, `expected a boolean, got ${show(value)}`);
        return;
      case 'date-time':
        if (typeof value !== 'string') this.report(path, `expected a date-time string, got ${show(value)}`);
        return;
      case 'null':
        if (value !== null) this.report(path, `expected null, got ${show(value)}`);
        return;
      case 'json':
        // Free-form (policy documents and the like): any JSON value.
        return;
      case 'tag':
        this.checkProperties(value, TAG_PROPERTIES, path, 'Tag');
        return;
      case 'ref': {
        const definition: TypeDefinition = this.db.get('typeDefinition', type.reference);
        this.checkProperties(value, definition.properties, path, definition.name);
        return;
      }
      case 'array':
        if (!Array.isArray(value)) {
          this.report(path, `expected ${describeType(type, this.db)}, got ${show(value)}`);
          return;
        }
        for (const [index, element] of value.entries()) this.checkValue(element, type.element, `${path}.${index}`);
        return;
      case 'map':
        if (!isObject(value)) {
          this.report(path, `expected ${describeType(type, this.db)}, got ${show(value)}`);
          return;
        }
        for (const [key, element] of Object.entries(value)) this.checkValue(element, type.element, `${path}.${key}`);
        return;
      case 'union': {
        // The first alternative the value fits wins. If none does, the alternative of the
        // value's own shape (an object for an object type...) explains best what is wrong.
        const attempts = type.types.map((alternative) => {
          const trial = new ValueChecker(this.db, this.logicalId, this.resourceType);
          trial.checkValue(value, alternative, path);
          return { alternative, issues: trial.issues };
        });
        if (attempts.some((a) => a.issues.length === 0)) return;
        const sameShape = attempts.filter((a) => !a.issues.some((i) => i.path === path && i.message.startsWith('expected ')));
        if (sameShape.length === 1) {
          this.issues.push(...sameShape[0]!.issues);
        } else {
          this.report(path, `expected ${describeType(type, this.db)}, got ${show(value)}`);
        }
        return;
      }
      default: {
        const unknown: never = type;
        this.report(path, `unknown schema type ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** "did you mean X?" for a near miss (a typo), else the names there are. */
function suggest(name: string, known: readonly string[]): string {
  const distance = (a: string, b: string): number => {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++) {
        current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      previous = current;
    }
    return previous[b.length]!;
  };
  const [closest] = known
    .map((candidate) => ({ candidate, d: distance(name.toLowerCase(), candidate.toLowerCase()) }))
    .sort((x, y) => x.d - y.d);
  if (closest && closest.d <= Math.max(2, Math.floor(name.length / 4))) return `did you mean ${closest.candidate}?`;
  return `it has: ${[...known].sort().join(', ')}`;
}

const TAG_PROPERTIES: ResourceProperties = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

interface TemplateShape {
  Resources?: Record<string, Json>;
  Parameters?: Record<string, Json>;
  Conditions?: Record<string, Json>;
  Outputs?: Record<string, Json>;
}

/** Checks Ref, Fn::GetAtt and Fn::Sub anywhere under `value`, and unresolved variables. */
function checkReferences(
  value: Json,
  path: string,
  context: { resources: Record<string, Json>; parameters: Set<string>; resourceType: (id: string) => Resource | undefined },
  report: (path: string, message: string) => void,
): void {
  const refTarget = (name: string, at: string) => {
    if (!(name in context.resources) && !context.parameters.has(name) && !PSEUDO_PARAMETERS.has(name)) {
      report(at, `refers to ${JSON.stringify(name)}, which is no resource, parameter or pseudo parameter of the template`);
    }
  };
  const attributeTarget = (id: string, attribute: string, at: string) => {
    const resource = context.resources[id];
    if (!resource) return report(at, `reads ${id}.${attribute}, but there is no resource ${JSON.stringify(id)}`);
    const spec = context.resourceType(id);
    // Custom resources and nested stacks have whatever attributes they return.
    if (spec && !(attribute in spec.attributes)) {
      report(
        at,
        `reads ${id}.${attribute}, but ${spec.cloudFormationType} has no attribute ${JSON.stringify(attribute)} (it has: ${Object.keys(spec.attributes).join(', ')})`,
      );
    }
  };

  if (typeof value === 'string') {
    if (UNRESOLVED_VARIABLE.test(value)) report(path, `unresolved serverless variable in ${JSON.stringify(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) checkReferences(element, `${path}.${index}`, context, report);
    return;
  }
  if (!isObject(value)) return;
  if (isIntrinsic(value)) {
    const [fn, argument] = Object.entries(value)[0]!;
    if (fn === 'Ref' && typeof argument === 'string') refTarget(argument, path);
    if (fn === 'Fn::GetAtt') {
      const [id, attribute] = typeof argument === 'string' ? splitOnce(argument, '.') : Array.isArray(argument) ? argument : [];
      if (typeof id === 'string' && typeof attribute === 'string') attributeTarget(id, attribute, path);
      else if (typeof id !== 'string') report(path, `malformed Fn::GetAtt ${JSON.stringify(argument)}`);
    }
    if (fn === 'Fn::Sub') {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      if (typeof text === 'string') {
        const local = new Set(isObject(variables) ? Object.keys(variables) : []);
        for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]!.trim();
          // A serverless variable (`${param:x}`): reported once, as unresolved, when the walk reaches the string.
          if (local.has(name) || /^[A-Za-z]+(:(?!:)|\()/.test(name)) continue;
          if (PSEUDO_PARAMETERS.has(name) || !name.includes('.')) refTarget(name, path);
          else attributeTarget(...splitOnce(name, '.'), path);
        }
      }
    }
  }
  for (const [key, element] of Object.entries(value)) checkReferences(element, `${path}.${key}`, context, report);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** Loads the specification (about half a second) and returns the checker. */
export async function loadTemplateChecker(): Promise<TemplateChecker> {
  const db = await loadAwsServiceSpec();
  const specOf = (type: string): Resource | undefined => db.lookup('resource', 'cloudFormationType', 'equals', type)[0];

  return (input: unknown): TemplateIssue[] => {
    const template = (isObject(input) ? input : {}) as TemplateShape;
    const issues: TemplateIssue[] = [];
    const resources = isObject(template.Resources) ? template.Resources : {};
    const parameters = new Set(Object.keys(isObject(template.Parameters) ? template.Parameters : {}));
    const conditions = new Set(Object.keys(isObject(template.Conditions) ? template.Conditions : {}));
    const typeOf = (id: string): string => {
      const resource = resources[id];
      return isObject(resource) && typeof resource.Type === 'string' ? resource.Type : '?';
    };
    const resourceType = (id: string): Resource | undefined => {
      const type = typeOf(id);
      return type.startsWith('Custom::') || type === 'AWS::CloudFormation::Stack' ? undefined : specOf(type);
    };

    if (Object.keys(resources).length === 0) {
      issues.push({ logicalId: '(template)', type: '-', path: 'Resources', message: 'no resources' });
    }

    for (const [logicalId, resource] of Object.entries(resources)) {
      const type = typeOf(logicalId);
      const report = (path: string, message: string) => issues.push({ logicalId, type, path, message });
      if (!isObject(resource)) {
        report('', `expected a resource object, got ${show(resource)}`);
        continue;
      }
      for (const attribute of Object.keys(resource)) {
        if (!RESOURCE_ATTRIBUTES.has(attribute)) report(attribute, 'no such resource attribute');
      }
      for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
        const value = resource[policy];
        if (value !== undefined && !isIntrinsic(value) && !DELETION_POLICIES.includes(String(value))) {
          report(policy, `${JSON.stringify(value)} is not one of ${DELETION_POLICIES.join(', ')}`);
        }
      }
      for (const [index, dependency] of [resource.DependsOn ?? []].flat().entries()) {
        if (typeof dependency !== 'string' || !(dependency in resources)) {
          report(`DependsOn.${index}`, `depends on ${JSON.stringify(dependency)}, which is no resource of the template`);
        }
      }
      if (resource.Condition !== undefined && !conditions.has(String(resource.Condition))) {
        report('Condition', `no condition ${JSON.stringify(resource.Condition)} in the template`);
      }
      checkReferences(resource, '', { resources, parameters, resourceType }, (path, message) => report(path.slice(1), message));

      if (type === '?') {
        report('Type', 'missing');
        continue;
      }
      if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
      const spec = specOf(type);
      if (!spec) {
        report('Type', `${type} is not a CloudFormation resource type`);
        continue;
      }
      const checker = new ValueChecker(db, logicalId, type);
      checker.checkProperties(resource.Properties ?? {}, spec.properties, 'Properties', type);
      issues.push(...checker.issues);
    }

    for (const section of ['Outputs', 'Conditions'] as const) {
      const entries = template[section];
      if (!isObject(entries)) continue;
      for (const [name, entry] of Object.entries(entries)) {
        checkReferences(entry, '', { resources, parameters, resourceType }, (path, message) =>
          issues.push({ logicalId: name, type: section, path: path.slice(1), message }),
        );
      }
    }
    return issues;
  };
}
