/**
 * A parser and evaluator for the Service Bus SQL filter language (the SQL-92 subset of subscription rules) and
 * for SQL rule actions (`SET` / `REMOVE`).
 *
 * Supported: `=, <>, !=, <, <=, >, >=`, `AND`, `OR`, `NOT`, `[NOT] IN (…)`, `[NOT] LIKE` with `%`, `_` and
 * `ESCAPE`, `EXISTS(prop)`, `prop IS [NOT] NULL`, arithmetic `+ - * / %` and unary `+ -`, parentheses,
 * string (`'it''s'`), number (`42`, `1.5`, `2e3`), `TRUE`/`FALSE`/`NULL` literals, `newid()`, and properties
 * with optional `user.` / `sys.` scope, plain or `[bracketed]` / `"quoted"`.
 *
 * Semantics follow the service: a missing user property is *unknown* (three-valued logic: a filter matches
 * only when it evaluates to true); a reference to a system property that does not exist is an error at parse
 * time; string comparisons and LIKE are case-sensitive; keywords and system property names are not.
 * Comparing values of different types (a string with a number, …) is unknown rather than an error.
 */
import { randomUUID } from 'node:crypto';
import { type AmqpMessage, idToString, longFromWire } from './amqp.js';

/**
 * A scalar value in a filter expression; `undefined` means *unknown* (for example a missing user property).
 *
 * @example
 * ```ts
 * const v: SqlValue = 42;
 * ```
 */
export type SqlValue = string | number | boolean | Date | null | undefined;

/**
 * A syntax or validation error in a SQL filter or action, with the character offset where it was detected.
 *
 * @example
 * ```ts
 * try { parseSqlFilter("color = 'red"); } catch (e) { (e as SqlSyntaxError).position; }
 * ```
 */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at position ${position})`);
    this.name = 'SqlSyntaxError';
  }
}

/**
 * What a filter is evaluated against: the message plus the broker-assigned facts the `sys.` scope can read.
 *
 * @example
 * ```ts
 * const target: FilterTarget = { message: { subject: 'order', application_properties: { n: 3 } } };
 * ```
 */
export interface FilterTarget {
  message: AmqpMessage;
  sequenceNumber?: number;
  enqueuedTimeUtc?: number;
  size?: number;
}

interface SystemProperty {
  read(target: FilterTarget): SqlValue;
  write?: (message: AmqpMessage, value: SqlValue) => void;
}

const asText = (v: SqlValue): string | undefined => (v === undefined || v === null ? undefined : String(v));
const setField =
  (field: keyof AmqpMessage) =>
  (message: AmqpMessage, value: SqlValue): void => {
    const text = asText(value);
    if (text === undefined) delete message[field];
    else (message as Record<string, unknown>)[field] = text;
  };
const annotation = (target: FilterTarget, key: string): unknown => target.message.message_annotations?.[key];

/** System properties by lower-case name (the `sys.` scope). */
const SYSTEM_PROPERTIES: Record<string, SystemProperty> = {
  messageid: { read: (t) => idToString(t.message.message_id) ?? null, write: setField('message_id') },
  correlationid: {
    read: (t) => idToString(t.message.correlation_id) ?? null,
    write: setField('correlation_id'),
  },
  label: { read: (t) => t.message.subject ?? null, write: setField('subject') },
  subject: { read: (t) => t.message.subject ?? null, write: setField('subject') },
  to: { read: (t) => t.message.to ?? null, write: setField('to') },
  replyto: { read: (t) => t.message.reply_to ?? null, write: setField('reply_to') },
  sessionid: { read: (t) => t.message.group_id ?? null, write: setField('group_id') },
  replytosessionid: {
    read: (t) => t.message.reply_to_group_id ?? null,
    write: setField('reply_to_group_id'),
  },
  contenttype: { read: (t) => t.message.content_type ?? null, write: setField('content_type') },
  timetolive: { read: (t) => t.message.ttl ?? null },
  partitionkey: { read: (t) => asText(annotation(t, 'x-opt-partition-key') as SqlValue) ?? null },
  scheduledenqueuetimeutc: {
    read: (t) => {
      const v = annotation(t, 'x-opt-scheduled-enqueue-time');
      return v instanceof Date ? v : null;
    },
  },
  sequencenumber: { read: (t) => t.sequenceNumber ?? null },
  enqueuedtimeutc: { read: (t) => (t.enqueuedTimeUtc === undefined ? null : new Date(t.enqueuedTimeUtc)) },
  size: { read: (t) => t.size ?? null },
  deliverycount: { read: () => 0 },
};

type Scope = 'sys' | 'user';

/**
 * A parsed SQL expression node.
 *
 * @example
 * ```ts
 * parseSqlFilter('a = 1').ast; // { kind: 'compare', op: '=', left: { kind: 'property', … }, right: { kind: 'literal', value: 1 } }
 * ```
 */
export type SqlNode =
  | { kind: 'literal'; value: SqlValue }
  | { kind: 'property'; scope: Scope; name: string }
  | { kind: 'unary'; op: '+' | '-'; operand: SqlNode }
  | { kind: 'arith'; op: '+' | '-' | '*' | '/' | '%'; left: SqlNode; right: SqlNode }
  | { kind: 'compare'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: SqlNode; right: SqlNode }
  | { kind: 'and' | 'or'; left: SqlNode; right: SqlNode }
  | { kind: 'not'; operand: SqlNode }
  | { kind: 'isNull'; operand: SqlNode; negated: boolean }
  | { kind: 'in'; operand: SqlNode; list: SqlNode[]; negated: boolean }
  | { kind: 'like'; operand: SqlNode; pattern: SqlNode; escape: SqlNode | undefined; negated: boolean }
  | { kind: 'exists'; property: { scope: Scope; name: string } }
  | { kind: 'newid' };

type TokenType = 'ident' | 'quotedIdent' | 'string' | 'number' | 'op' | 'eof';
interface Token {
  type: TokenType;
  value: string;
  pos: number;
}

const OPERATORS = ['<>', '!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new SqlSyntaxError('Unterminated string literal', start);
        const c = source[i] as string;
        if (c === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    if (ch === '[' || ch === '"') {
      const close = ch === '[' ? ']' : '"';
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new SqlSyntaxError('Unterminated delimited identifier', start);
        const c = source[i] as string;
        if (c === close) {
          if (source[i + 1] === close) {
            value += close;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (value.length === 0) throw new SqlSyntaxError('Empty delimited identifier', start);
      tokens.push({ type: 'quotedIdent', value, pos: start });
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ type: 'number', value: number[0], pos: start });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_@$][A-Za-z0-9_@$]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ type: 'ident', value: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ type: 'op', value: op, pos: start });
      i += op.length;
      continue;
    }
    throw new SqlSyntaxError(`Unexpected character '${ch}'`, start);
  }
  tokens.push({ type: 'eof', value: '', pos: source.length });
  return tokens;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ESCAPE',
  'IS',
  'NULL',
  'EXISTS',
  'TRUE',
  'FALSE',
  'SET',
  'REMOVE',
]);

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  get current(): Token {
    return this.tokens[this.index] as Token;
  }

  next(): Token {
    const token = this.current;
    if (token.type !== 'eof') this.index++;
    return token;
  }

  isKeyword(word: string, token: Token = this.current): boolean {
    return token.type === 'ident' && token.value.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.index++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(`Expected ${word}`);
  }

  isOp(op: string, token: Token = this.current): boolean {
    return token.type === 'op' && token.value === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.index++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`Expected '${op}'`);
  }

  fail(message: string): never {
    const token = this.current;
    const near = token.type === 'eof' ? 'end of expression' : `'${token.value}'`;
    throw new SqlSyntaxError(`${message} near ${near}`, token.pos);
  }

  expectEnd(): void {
    if (this.current.type !== 'eof') this.fail('Unexpected token');
  }

  atEnd(): boolean {
    return this.current.type === 'eof';
  }

  parseOr(): SqlNode {
    let left = this.parseAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): SqlNode {
    let left = this.parseNot();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parseNot() };
    return left;
  }

  private parseNot(): SqlNode {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseNot() };
    return this.parseComparison();
  }

  private parseComparison(): SqlNode {
    const left = this.parseAdditive();
    const token = this.current;
    if (token.type === 'op' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(token.value)) {
      this.next();
      const op = (token.value === '!=' ? '<>' : token.value) as '=' | '<>' | '<' | '<=' | '>' | '>=';
      return { kind: 'compare', op, left, right: this.parseAdditive() };
    }
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      this.expectKeyword('NULL');
      return { kind: 'isNull', operand: left, negated };
    }
    let negated = false;
    if (this.isKeyword('NOT')) {
      const after = this.tokens[this.index + 1];
      if (after !== undefined && (this.isKeyword('IN', after) || this.isKeyword('LIKE', after))) {
        this.index++;
        negated = true;
      } else {
        this.fail('Expected IN or LIKE after NOT');
      }
    }
    if (this.acceptKeyword('IN')) {
      this.expectOp('(');
      const list: SqlNode[] = [this.parseAdditive()];
      while (this.acceptOp(',')) list.push(this.parseAdditive());
      this.expectOp(')');
      return { kind: 'in', operand: left, list, negated };
    }
    if (this.acceptKeyword('LIKE')) {
      const pattern = this.parseAdditive();
      const escapeChar = this.acceptKeyword('ESCAPE') ? this.parseAdditive() : undefined;
      return { kind: 'like', operand: left, pattern, escape: escapeChar, negated };
    }
    if (negated) this.fail('Expected IN or LIKE');
    return left;
  }

  private parseAdditive(): SqlNode {
    let left = this.parseMultiplicative();
    for (;;) {
      const token = this.current;
      if (this.isOp('+') || this.isOp('-')) {
        this.next();
        left = { kind: 'arith', op: token.value as '+' | '-', left, right: this.parseMultiplicative() };
      } else return left;
    }
  }

  private parseMultiplicative(): SqlNode {
    let left = this.parseUnary();
    for (;;) {
      const token = this.current;
      if (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
        this.next();
        left = { kind: 'arith', op: token.value as '*' | '/' | '%', left, right: this.parseUnary() };
      } else return left;
    }
  }

  private parseUnary(): SqlNode {
    const token = this.current;
    if (this.isOp('+') || this.isOp('-')) {
      this.next();
      const operand = this.parseUnary();
      if (operand.kind === 'literal' && typeof operand.value === 'number') {
        return { kind: 'literal', value: token.value === '-' ? -operand.value : operand.value };
      }
      return { kind: 'unary', op: token.value as '+' | '-', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): SqlNode {
    const token = this.current;
    if (token.type === 'string') {
      this.next();
      return { kind: 'literal', value: token.value };
    }
    if (token.type === 'number') {
      this.next();
      const value = Number(token.value);
      if (!Number.isFinite(value)) this.fail('Invalid number');
      return { kind: 'literal', value };
    }
    if (this.acceptOp('(')) {
      const inner = this.parseOr();
      this.expectOp(')');
      return inner;
    }
    if (this.acceptKeyword('TRUE')) return { kind: 'literal', value: true };
    if (this.acceptKeyword('FALSE')) return { kind: 'literal', value: false };
    if (this.acceptKeyword('NULL')) return { kind: 'literal', value: null };
    if (this.acceptKeyword('EXISTS')) {
      this.expectOp('(');
      const property = this.parseProperty();
      this.expectOp(')');
      return { kind: 'exists', property };
    }
    if (
      token.type === 'ident' &&
      token.value.toLowerCase() === 'newid' &&
      this.isOp('(', this.tokens[this.index + 1])
    ) {
      this.index += 2;
      this.expectOp(')');
      return { kind: 'newid' };
    }
    if (token.type === 'ident' || token.type === 'quotedIdent') {
      return { kind: 'property', ...this.parseProperty() };
    }
    return this.fail('Expected an expression');
  }

  parseProperty(): { scope: Scope; name: string } {
    const first = this.current;
    if (first.type !== 'ident' && first.type !== 'quotedIdent') this.fail('Expected a property name');
    if (first.type === 'ident' && KEYWORDS.has(first.value.toUpperCase()))
      this.fail('Expected a property name');
    this.next();
    let scope: Scope = 'user';
    let name = first.value;
    if (this.isOp('.')) {
      const scopeName = first.type === 'ident' ? first.value.toLowerCase() : '';
      if (scopeName !== 'sys' && scopeName !== 'user') {
        throw new SqlSyntaxError(`Unknown property scope '${first.value}' (expected sys or user)`, first.pos);
      }
      this.next();
      const part = this.current;
      if (part.type !== 'ident' && part.type !== 'quotedIdent') this.fail('Expected a property name');
      this.next();
      scope = scopeName;
      name = part.value;
    }
    if (scope === 'sys' && SYSTEM_PROPERTIES[name.toLowerCase()] === undefined) {
      throw new SqlSyntaxError(`'sys.${name}' is not a system property`, first.pos);
    }
    return { scope, name };
  }
}

const PREDICATE_KINDS = new Set(['compare', 'and', 'or', 'not', 'isNull', 'in', 'like', 'exists']);

function isPredicate(node: SqlNode): boolean {
  return PREDICATE_KINDS.has(node.kind) || (node.kind === 'literal' && typeof node.value === 'boolean');
}

function checkPredicate(node: SqlNode, pos: number): void {
  if (!isPredicate(node)) throw new SqlSyntaxError('The expression is not a predicate', pos);
  if (node.kind === 'and' || node.kind === 'or') {
    checkPredicate(node.left, pos);
    checkPredicate(node.right, pos);
  } else if (node.kind === 'not') {
    checkPredicate(node.operand, pos);
  }
}

/**
 * A compiled SQL filter.
 *
 * @example
 * ```ts
 * const filter = parseSqlFilter("sys.Label = 'order' AND user.amount > 100");
 * filter.matches({ message: { subject: 'order', application_properties: { amount: 150 } } }); // true
 * ```
 */
export interface SqlFilter {
  /** The source text. */
  readonly expression: string;
  /** The parsed tree. */
  readonly ast: SqlNode;
  /** True only when the predicate evaluates to TRUE (false and unknown do not match). */
  matches(target: FilterTarget): boolean;
}

/**
 * Parses a SQL filter expression; throws {@link SqlSyntaxError} for invalid syntax, non-predicates and unknown
 * `sys.` properties.
 *
 * @example
 * ```ts
 * parseSqlFilter("color IN ('red', 'blue') AND EXISTS(size) AND name LIKE 'a\\%%' ESCAPE '\\'");
 * ```
 */
export function parseSqlFilter(expression: string): SqlFilter {
  if (expression.trim().length === 0) throw new SqlSyntaxError('The filter expression is empty', 0);
  const parser = new Parser(tokenize(expression));
  const ast = parser.parseOr();
  parser.expectEnd();
  checkPredicate(ast, 0);
  return {
    expression,
    ast,
    matches: (target) => truth(evaluate(ast, target)) === true,
  };
}

/** Three-valued truth of a value: true, false or undefined (unknown). */
function truth(value: SqlValue): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function readProperty(
  target: FilterTarget,
  scope: Scope,
  name: string,
): { present: boolean; value: SqlValue } {
  if (scope === 'sys') {
    const property = SYSTEM_PROPERTIES[name.toLowerCase()];
    const value = property === undefined ? undefined : property.read(target);
    return { present: value !== null && value !== undefined, value };
  }
  const props = target.message.application_properties;
  if (props === undefined || props === null || !Object.hasOwn(props, name))
    return { present: false, value: undefined };
  return { present: true, value: toSqlValue(props[name]) };
}

/** Maps an application property value to a SQL scalar (maps, lists and binary are unknown). */
function toSqlValue(raw: unknown): SqlValue {
  if (raw === null) return null;
  if (typeof raw === 'string' || typeof raw === 'boolean' || raw instanceof Date) return raw;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (Buffer.isBuffer(raw) && raw.length === 8) return longFromWire(raw);
  return undefined;
}

function compareValues(left: SqlValue, right: SqlValue): number | undefined {
  if (left === undefined || left === null || right === undefined || right === null) return undefined;
  if (typeof left === 'number' && typeof right === 'number')
    return left === right ? 0 : left < right ? -1 : 1;
  if (typeof left === 'string' && typeof right === 'string')
    return left === right ? 0 : left < right ? -1 : 1;
  if (left instanceof Date && right instanceof Date) return Math.sign(left.getTime() - right.getTime());
  if (typeof left === 'boolean' && typeof right === 'boolean') return left === right ? 0 : Number.NaN;
  return undefined;
}

function likeToRegExp(pattern: string, escapeChar: string | undefined): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (escapeChar !== undefined && ch === escapeChar) {
      const next = pattern[i + 1];
      if (next !== undefined) {
        source += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        i++;
        continue;
      }
    }
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function evaluate(node: SqlNode, target: FilterTarget): SqlValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return readProperty(target, node.scope, node.name).value;
    case 'newid':
      return randomUUID();
    case 'unary': {
      const value = evaluate(node.operand, target);
      if (typeof value !== 'number') return undefined;
      return node.op === '-' ? -value : value;
    }
    case 'arith': {
      const left = evaluate(node.left, target);
      const right = evaluate(node.right, target);
      if (node.op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
      if (typeof left !== 'number' || typeof right !== 'number') return undefined;
      switch (node.op) {
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '*':
          return left * right;
        case '/':
          return right === 0 ? undefined : left / right;
        case '%':
          return right === 0 ? undefined : left % right;
      }
      return undefined;
    }
    case 'compare': {
      const cmp = compareValues(evaluate(node.left, target), evaluate(node.right, target));
      if (cmp === undefined) return undefined;
      if (Number.isNaN(cmp)) {
        // booleans only support equality
        if (node.op === '=') return false;
        if (node.op === '<>') return true;
        return undefined;
      }
      switch (node.op) {
        case '=':
          return cmp === 0;
        case '<>':
          return cmp !== 0;
        case '<':
          return cmp < 0;
        case '<=':
          return cmp <= 0;
        case '>':
          return cmp > 0;
        case '>=':
          return cmp >= 0;
      }
      return undefined;
    }
    case 'and': {
      const left = truth(evaluate(node.left, target));
      if (left === false) return false;
      const right = truth(evaluate(node.right, target));
      if (right === false) return false;
      return left === true && right === true ? true : undefined;
    }
    case 'or': {
      const left = truth(evaluate(node.left, target));
      if (left === true) return true;
      const right = truth(evaluate(node.right, target));
      if (right === true) return true;
      return left === false && right === false ? false : undefined;
    }
    case 'not': {
      const value = truth(evaluate(node.operand, target));
      return value === undefined ? undefined : !value;
    }
    case 'isNull': {
      const value = evaluate(node.operand, target);
      const isNull = value === undefined || value === null;
      return node.negated ? !isNull : isNull;
    }
    case 'in': {
      const value = evaluate(node.operand, target);
      if (value === undefined || value === null) return undefined;
      let sawUnknown = false;
      for (const item of node.list) {
        const cmp = compareValues(value, evaluate(item, target));
        if (cmp === 0) return !node.negated;
        if (cmp === undefined) sawUnknown = true;
      }
      if (sawUnknown) return undefined;
      return node.negated;
    }
    case 'like': {
      const value = evaluate(node.operand, target);
      const pattern = evaluate(node.pattern, target);
      if (typeof value !== 'string' || typeof pattern !== 'string') return undefined;
      let escapeChar: string | undefined;
      if (node.escape !== undefined) {
        const e = evaluate(node.escape, target);
        if (typeof e !== 'string' || e.length !== 1) return undefined;
        escapeChar = e;
      }
      const matched = likeToRegExp(pattern, escapeChar).test(value);
      return node.negated ? !matched : matched;
    }
    case 'exists':
      return readProperty(target, node.property.scope, node.property.name).present;
  }
}

/**
 * One statement of a SQL rule action.
 *
 * @example
 * ```ts
 * parseSqlRuleAction('REMOVE secret').statements[0]; // { kind: 'remove', scope: 'user', name: 'secret' }
 * ```
 */
export type SqlActionStatement =
  | { kind: 'set'; scope: Scope; name: string; value: SqlNode }
  | { kind: 'remove'; scope: Scope; name: string };

/**
 * A compiled SQL rule action (`SET prop = expr`, `REMOVE prop`, separated by `;` or whitespace).
 *
 * @example
 * ```ts
 * const action = parseSqlRuleAction("SET sys.Label = 'routed'; SET priority = priority + 1; REMOVE secret");
 * action.apply(message); // mutates the message
 * ```
 */
export interface SqlRuleAction {
  readonly expression: string;
  readonly statements: readonly SqlActionStatement[];
  /** Applies the statements, in order, to `message` (mutated in place). */
  apply(message: AmqpMessage, facts?: Omit<FilterTarget, 'message'>): void;
}

/**
 * Parses a SQL rule action; throws {@link SqlSyntaxError} when invalid (including read-only system properties).
 *
 * @example
 * ```ts
 * parseSqlRuleAction("SET user.tier = 'gold'");
 * ```
 */
export function parseSqlRuleAction(expression: string): SqlRuleAction {
  const parser = new Parser(tokenize(expression));
  const statements: SqlActionStatement[] = [];
  while (!parser.atEnd()) {
    if (parser.acceptOp(';')) continue;
    const token = parser.current;
    if (parser.isKeyword('SET')) {
      parser.next();
      const property = parser.parseProperty();
      checkWritable(property, token.pos);
      if (!parser.acceptOp('=')) parser.fail("Expected '='");
      statements.push({ kind: 'set', ...property, value: parser.parseOr() });
    } else if (parser.isKeyword('REMOVE')) {
      parser.next();
      const property = parser.parseProperty();
      checkWritable(property, token.pos);
      statements.push({ kind: 'remove', ...property });
    } else {
      parser.fail('Expected SET or REMOVE');
    }
  }
  if (statements.length === 0) throw new SqlSyntaxError('The action is empty', 0);
  return {
    expression,
    statements,
    apply(message, facts = {}) {
      for (const statement of statements) {
        if (statement.kind === 'set') {
          const value = evaluate(statement.value, { ...facts, message });
          writeProperty(message, statement.scope, statement.name, value);
        } else {
          writeProperty(message, statement.scope, statement.name, undefined, true);
        }
      }
    },
  };
}

function checkWritable(property: { scope: Scope; name: string }, pos: number): void {
  if (property.scope === 'sys' && SYSTEM_PROPERTIES[property.name.toLowerCase()]?.write === undefined) {
    throw new SqlSyntaxError(`'sys.${property.name}' cannot be modified`, pos);
  }
}

function writeProperty(
  message: AmqpMessage,
  scope: Scope,
  name: string,
  value: SqlValue,
  remove = false,
): void {
  if (scope === 'sys') {
    SYSTEM_PROPERTIES[name.toLowerCase()]?.write?.(message, remove ? undefined : value);
    return;
  }
  const props = { ...(message.application_properties ?? {}) };
  if (remove || value === undefined) delete props[name];
  else props[name] = value;
  message.application_properties = props;
}
