/**
 * How a setting is declared once and read: the environment variable that sets it (and, for the
 * config file's settings, its field there), and the valibot schema that checks the value, words
 * what is wrong with it and turns it into what the code uses. Reading a group of them reports
 * every problem at once, one line each, naming the file field or the variable.
 */
import * as v from 'valibot';
import { stripXmlForbidden } from '../text/xml-chars.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every field that is wrong, one line each, so a person can fix them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Setting<S extends v.GenericSchema = v.GenericSchema> {
  /** Sets the value, or overrides the config file's field when it is not empty. */
  readonly variable: string;
  /** Checks the value as given (a string from the environment, any JSON from the file). */
  readonly schema: S;
}

export function setting<const S extends v.GenericSchema>(variable: string, schema: S): Setting<S> {
  return { variable, schema };
}

/**
 * A group of settings by key. For the config file's settings the key is the field's path in the
 * file (`author.name`), which is also how problems name it and where unknown fields are told
 * apart; the environment's own settings may use any key.
 */
export type Settings = Readonly<Record<string, Setting>>;

type Entries<T extends Settings> = { [K in keyof T]: T[K]['schema'] };

/** The group as one object schema of its keys, for a pipe of cross-field checks and a transform. */
export function settingsObject<const T extends Settings>(settings: T): v.ObjectSchema<Entries<T>, undefined> {
  const entries = Object.fromEntries(Object.entries(settings).map(([key, { schema }]) => [key, schema]));
  // Object.fromEntries cannot say which schema each key has; the map above keeps them paired.
  return v.object(entries as Entries<T>);
}

/** The config file's parsed JSON, and how messages name the file. */
export interface ConfigFile {
  readonly json: unknown;
  readonly source: string;
}

/**
 * A problem to report without the value it was found in: the value may hold a password. `reason`
 * files its issue as having received WITHHELD, and readSettings then ends the line at the message.
 */
export class Secret {
  constructor(readonly message: string) {}
}

const WITHHELD = '(withheld)';

/**
 * Reads a group: each setting from its variable or, where the variable is unset or empty, from
 * the config file; checks them all with `schema` (built on `settingsObject(settings)`); and adds
 * every problem to `problems`, naming the file field or the variable, the file's unknown fields
 * included. Returns the schema's output, or undefined when anything was wrong.
 */
export function readSettings<S extends v.GenericSchema>(
  settings: Settings,
  schema: S,
  env: Env,
  problems: string[],
  file?: ConfigFile,
): v.InferOutput<S> | undefined {
  const found = problems.length;
  if (file) {
    const shape = v.safeParse(fileShape(Object.keys(settings), 'must hold a JSON object'), file.json);
    for (const issue of shape.issues ?? []) problems.push(`${file.source}${issue.path ? ` ${v.getDotPath(issue)}` : ''}: ${issue.message}`);
  }
  const given: Record<string, unknown> = {};
  const where: Record<string, string> = {};
  for (const [key, { variable }] of Object.entries(settings)) {
    const fromEnv = env[variable];
    if (file && (fromEnv === undefined || fromEnv === '')) {
      given[key] = valueAt(file.json, key);
      where[key] = `${file.source} ${key}`;
    } else {
      given[key] = fromEnv;
      where[key] = variable;
    }
  }
  const result = v.safeParse(schema, given);
  const reported = new Set<string>();
  for (const issue of result.issues ?? []) {
    const key = String(issue.path?.[0]?.key);
    // One line per setting: the first thing wrong with it.
    if (reported.has(key)) continue;
    reported.add(key);
    // Nothing to show when nothing was given, nor for a Secret; otherwise the value as given, untrimmed.
    const shown = issue.input === undefined || issue.received === WITHHELD ? '' : `, got ${JSON.stringify(given[key])}`;
    problems.push(`${where[key] ?? key}: ${issue.message}${shown}`);
  }
  return result.success && problems.length === found ? result.output : undefined;
}

/** The value at a dotted path of the file, if every step on the way is an object. */
function valueAt(json: unknown, path: string): unknown {
  let value = json;
  for (const step of path.split('.')) value = isRecord(value) ? value[step] : undefined;
  return value;
}

/**
 * The file's shape from the settings' paths: objects where paths go deeper, and no field that is
 * not a setting, since a misspelt field would otherwise be ignored without a word and its default
 * used. (valibot passes over keys named `__proto__`, `constructor` and `prototype`.)
 */
function fileShape(paths: readonly string[], notAnObject: string): v.GenericSchema {
  const fields = new Map<string, string[]>();
  for (const path of paths) {
    const [field = path, ...deeper] = path.split('.');
    fields.set(field, [...(fields.get(field) ?? []), ...(deeper.length > 0 ? [deeper.join('.')] : [])]);
  }
  const entries = Object.fromEntries(
    [...fields].map(([field, inner]) => [field, v.optional(inner.length > 0 ? fileShape(inner, 'must be an object') : v.unknown())]),
  );
  return v.pipe(
    v.custom<Record<string, unknown>>(isRecord, notAnObject),
    v.objectWithRest(entries, v.never(`is not a setting (known: ${[...fields.keys()].join(', ')})`)),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const REQUIRED = 'is required and must not be empty';

/**
 * A string setting, trimmed; undefined when unset: no value, JSON null, or nothing but spaces.
 * Pipe `required()` after it, or checks that pass over undefined (`reason`, `matches`).
 */
export const TEXT = v.pipe(
  v.unknown(),
  // Characters XML cannot carry are dropped first, as the feeds would drop them: every format
  // then says the same, and a value of nothing else counts as unset.
  v.transform((value) => (typeof value === 'string' ? stripXmlForbidden(value) : value)),
  v.transform((value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value)),
  v.optional(v.pipe(v.string('must be a string'), v.trim())),
);

/**
 * A path, as given: a folder's name may begin or end with a space (file managers allow it), and
 * trimming it would name another folder. Undefined when unset or nothing but spaces, as TEXT.
 */
export const PATH = v.pipe(
  v.unknown(),
  v.transform((value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value)),
  v.optional(v.string('must be a string')),
);

/** The value must be set; `message` words it when it is not. */
export function required(message = REQUIRED) {
  return v.guard((value: string | undefined): value is string => value !== undefined, message);
}

/** A check in words: `problemOf` says what is wrong with a value, or undefined. Unset values pass. */
export function reason<T extends string | undefined>(problemOf: (value: string) => string | Secret | undefined) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.value === undefined) return;
    const problem = problemOf(dataset.value);
    if (problem instanceof Secret) addIssue({ message: problem.message, received: WITHHELD });
    else if (problem !== undefined) addIssue({ message: problem });
  });
}

/** The value must match `pattern`; `message` says what it must be. Unset values pass. */
export function matches<T extends string | undefined>(pattern: RegExp, message: string) {
  return reason<T>((value) => (pattern.test(value) ? undefined : message));
}

/** An unset value becomes `fallback`. */
export function orElse(fallback: string) {
  return v.transform((value: string | undefined): string => value ?? fallback);
}
