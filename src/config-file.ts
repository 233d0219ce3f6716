/**
 * feed.config.json read as JSON, for the CLI and `npm start`: what is wrong with it is said in
 * one line that an editor can go to (line and column), so that the other settings' problems can
 * be reported with it.
 */
import { readFile } from 'node:fs/promises';
import { describeError } from './errors.js';

/** The file's JSON, or the one line that says why there is none. `named`: given with --config (else the default name in the working folder). */
export async function readConfigFile(configFile: string, named = true): Promise<{ readonly json: unknown } | string> {
  let text: string;
  try {
    // A byte order mark, as some editors save it, is read past as Node's JSON import reads past it.
    text = (await readFile(configFile, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const missing = !named && (error as NodeJS.ErrnoException).code === 'ENOENT';
    const hint = missing ? '; run the command in the folder that holds feed.config.json, or name the file with --config FILE' : '';
    return `cannot read ${configFile}: ${oneLine(describeError(error))}${hint}`;
  }
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return `cannot read ${configFile}: not JSON: ${jsonErrorAt(text) ?? oneLine(describeError(error))}`;
  }
}

/** A message on one line: V8's JSON errors quote the text around the error, line breaks and all. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * Where text that JSON.parse refused stops being JSON, and what was found there. V8's messages
 * give a position for some errors only, and a line for none on Node 20; this walks the text as
 * the JSON grammar does instead. Lines end at LF, CRLF or a lone CR, as editors show them;
 * columns count characters as editors do (an emoji is one).
 */
export function jsonErrorAt(text: string): string | undefined {
  const error = firstJsonError(text);
  if (error === undefined) return undefined;
  const { offset, expected } = error;
  const before = text.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  const found = offset >= text.length ? 'the end of the file' : JSON.stringify(String.fromCodePoint(text.codePointAt(offset)!));
  return `line ${lines.length}, column ${[...lines.at(-1)!].length + 1}: expected ${expected}, found ${found}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The offset of the first character JSON's grammar does not allow there, and what it allows;
 * undefined where this cannot tell (nesting deeper than the stack, or text the grammar takes).
 */
function firstJsonError(text: string): { offset: number; expected: string } | undefined {
  let at = 0;
  const fail = (expected: string): never => {
    throw { offset: at, expected };
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[at] !== char) fail(JSON.stringify(word));
      at++;
    }
  };
  const string = () => {
    if (text[at] !== '"') fail('a string in double quotes');
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('a closing double quote');
      if (char === '"') break;
      if (char! < ' ') fail('a closing double quote (a line break or control character must be escaped)');
      if (char === '\\') {
        at++;
        if (text[at] === 'u') {
          at++;
          for (let i = 0; i < 4; i++, at++) if (!/[0-9a-fA-F]/.test(text[at] ?? '')) fail('four hex digits after \\u');
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u');
      }
      at++;
    }
    at++;
  };
  const number = () => {
    NUMBER.lastIndex = at;
    if (!NUMBER.test(text)) fail('a value');
    at = NUMBER.lastIndex;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{') {
      at++;
      space();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('a property name in double quotes');
        string();
        space();
        if (text[at] !== ':') fail('":" after the property name');
        at++;
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return;
        }
        fail('"," or "}"');
      }
    }
    if (char === '[') {
      at++;
      space();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return;
        }
        fail('"," or "]"');
      }
    }
    if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else number();
  };
  try {
    value();
    space();
    if (at < text.length) fail('the end of the file');
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'offset' in error) return error as { offset: number; expected: string };
    return undefined;
  }
  return undefined;
}
