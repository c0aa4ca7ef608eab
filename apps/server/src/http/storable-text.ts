import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/app-error.js';

/**
 * The characters PostgreSQL's `text` refuses: U+0000, and a UTF-16 surrogate without its
 * other half (it has no UTF-8 form). SQLite would store either, so refusing them here is
 * what keeps the two databases answering alike.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAYBE_UNSTORABLE = /[\0\uD800-\uDFFF]/;

/** The largest number an `integer` column holds on PostgreSQL (SQLite's are 64-bit). */
export const LARGEST_INTEGER = 2_147_483_647;

/** The first character of `text` that cannot be stored, as `U+XXXX`, or null. */
export function unstorableCharacter(text: string): string | null {
  // Most text has neither a NUL nor any surrogate: skip the look-around for it.
  if (!MAYBE_UNSTORABLE.test(text)) return null;
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Where in a request an unstorable character was found. */
export interface UnstorableText {
  /** `body.recipients[0].name`, `query.cursor`, `params.id`. */
  field: string;
  /** True when it is in a field's name rather than its value. */
  inName: boolean;
  character: string;
}

interface Visit {
  value: unknown;
  key: string | number | null;
  depth: number;
}

/**
 * The first string (value or field name), in document order, that holds a character
 * PostgreSQL cannot store. Walks with its own stack, not recursion: a JSON body nested
 * a hundred thousand levels deep must get an answer, not a stack overflow.
 */
export function findUnstorableText(root: unknown, rootName: string): UnstorableText | null {
  // Depth-first in document order: when a node is taken off the stack, `path` up to its
  // depth holds the keys of its ancestors (their later siblings wait below it).
  const path: (string | number)[] = [];
  const stack: Visit[] = [{ value: root, key: null, depth: 0 }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const { value, key, depth } = visit;
    if (key !== null) {
      path.length = depth - 1;
      path.push(key);
    }
    if (typeof key === 'string') {
      const character = unstorableCharacter(key);
      if (character) return { field: fieldName(rootName, path), inName: true, character };
    }
    if (typeof value === 'string') {
      const character = unstorableCharacter(value);
      if (character) return { field: fieldName(rootName, path), inName: false, character };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: value[i], key: i, depth: depth + 1 });
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i -= 1) stack.push({ value: value[keys[i]!], key: keys[i]!, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Parsed JSON, query strings and route parameters — not a streamed upload or a Buffer.
 * The query and parameter parsers make their objects from a prototype that itself has none.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** Deeper paths are shortened in the middle, so the answer stays small. */
const MAX_PATH_PARTS = 24;

/** `body.recipients[0].name`; a name that isn't a plain word is quoted (and escaped) as JSON. */
function fieldName(rootName: string, path: (string | number)[]): string {
  const part = (key: string | number): string => {
    if (typeof key === 'number') return `[${key}]`;
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  };
  if (path.length <= MAX_PATH_PARTS) return rootName + path.map(part).join('');
  const half = MAX_PATH_PARTS / 2;
  return `${rootName}${path.slice(0, half).map(part).join('')}…${path.slice(-half).map(part).join('')}`;
}

const PLACES = ['params', 'query', 'body'] as const;

/**
 * Refuses, for every route and before any handler runs, a request whose route
 * parameters, query string or JSON body (at any depth, names included) hold text
 * PostgreSQL cannot store — so nothing is half-written and both databases answer the
 * same 400. A streamed CSV upload is checked by its importer, line by line.
 */
export function registerStorableTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    for (const place of PLACES) {
      const found = findUnstorableText(request[place], place);
      if (found) return done(unstorableTextError(found));
    }
    done();
  });
}

function unstorableTextError(found: UnstorableText): AppError {
  const what = found.character === 'U+0000' ? 'a NUL character (U+0000)' : `an unpaired surrogate (${found.character}), which is half of a character`;
  const where = found.inName ? `The field name ${found.field}` : found.field;
  return new AppError('invalid_characters', `${where} contains ${what}; such text cannot be stored. Remove it and send the request again.`, {
    field: found.field,
    character: found.character,
  });
}
