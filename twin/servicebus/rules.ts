/**
 * Subscription rules: a filter (true, false, SQL or correlation) plus an optional SQL action, their validation,
 * and their `$management` wire form (`add-rule` request bodies and `enumerate-rules` described lists).
 */
import { type AmqpMessage, wire } from './amqp.js';
import {
  type CorrelationFilterSpec,
  matchesCorrelationFilter,
  normalizeCorrelationFilter,
} from './correlation-filter.js';
import { AmqpCondition, TwinError } from './errors.js';
import {
  type FilterTarget,
  parseSqlFilter,
  parseSqlRuleAction,
  type SqlFilter,
  type SqlRuleAction,
} from './sql-filter.js';

/**
 * Name of the rule every new subscription gets (a true filter).
 *
 * @example
 * ```ts
 * twin.removeRule('events', 'eu', DEFAULT_RULE_NAME);
 * ```
 */
export const DEFAULT_RULE_NAME = '$Default';

/**
 * Descriptor codes of the rule wire format (`com.microsoft:*:list`).
 *
 * @example
 * ```ts
 * wire.described(RuleDescriptors.sqlFilter, [wire.string('a = 1'), wire.int(20)]);
 * ```
 */
export const RuleDescriptors = {
  ruleDescription: 0x0000013700000004,
  sqlFilter: 0x0000001370000006,
  trueFilter: 0x0000001370000007,
  falseFilter: 0x0000001370000008,
  correlationFilter: 0x0000001370000009,
  emptyRuleAction: 0x0000013700000005,
  sqlRuleAction: 0x0000013700000006,
} as const;

/**
 * A rule filter as the SDK spells it: `{ sqlExpression }` (SqlRuleFilter), a correlation filter
 * (CorrelationRuleFilter fields), or `true` / `false`.
 *
 * @example
 * ```ts
 * const sql: RuleFilterDefinition = { sqlExpression: "priority > 3" };
 * const corr: RuleFilterDefinition = { correlationId: 'abc' };
 * ```
 */
export type RuleFilterDefinition = { sqlExpression: string } | CorrelationFilterSpec | boolean;

/**
 * A rule to create on a subscription.
 *
 * @example
 * ```ts
 * twin.addRule('orders', 'eu', { name: 'eu-only', filter: { applicationProperties: { region: 'eu' } } });
 * twin.addRule('orders', 'audit', { name: 'tag', filter: true, action: "SET user.audited = TRUE" });
 * ```
 */
export interface RuleDefinition {
  name: string;
  /** Defaults to `true` (every message). */
  filter?: RuleFilterDefinition;
  /** A SQL rule action (`SET …` / `REMOVE …`). */
  action?: string | { sqlExpression: string };
}

/**
 * A compiled filter.
 *
 * @example
 * ```ts
 * if (rule.filter.type === 'sql') console.log(rule.filter.sql.expression);
 * ```
 */
export type CompiledFilter =
  | { type: 'true' }
  | { type: 'false' }
  | { type: 'sql'; sql: SqlFilter }
  | { type: 'correlation'; spec: CorrelationFilterSpec };

/**
 * A validated, compiled rule.
 *
 * @example
 * ```ts
 * const rule = compileRule({ name: 'big', filter: { sqlExpression: 'amount > 100' } });
 * rule.matches({ message }); // boolean
 * ```
 */
export interface Rule {
  readonly name: string;
  readonly filter: CompiledFilter;
  readonly action: SqlRuleAction | undefined;
  readonly createdAt: number;
  matches(target: FilterTarget): boolean;
}

function isSqlFilter(filter: RuleFilterDefinition): filter is { sqlExpression: string } {
  return typeof filter === 'object' && filter !== null && 'sqlExpression' in filter;
}

/**
 * Validates and compiles a rule; throws a {@link TwinError} (`com.microsoft:argument-error` /
 * `com.microsoft:argument-out-of-range`) for invalid names, SQL or correlation filters.
 *
 * @example
 * ```ts
 * compileRule({ name: 'r', filter: { sqlExpression: "sys.Label LIKE 'order.%'" } });
 * ```
 */
export function compileRule(definition: RuleDefinition, now = Date.now()): Rule {
  const name = definition.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TwinError(AmqpCondition.ArgumentError, 'The rule name must be a non-empty string.');
  }
  if (name.length > 50) {
    throw new TwinError(
      AmqpCondition.ArgumentOutOfRange,
      `The rule name '${name}' is longer than 50 characters.`,
    );
  }
  const filterDef = definition.filter ?? true;
  let filter: CompiledFilter;
  try {
    if (filterDef === true) filter = { type: 'true' };
    else if (filterDef === false) filter = { type: 'false' };
    else if (isSqlFilter(filterDef)) {
      if (filterDef.sqlExpression.length > 1024) {
        throw new TwinError(
          AmqpCondition.ArgumentOutOfRange,
          'The SQL filter expression is longer than 1024 characters.',
        );
      }
      filter = { type: 'sql', sql: parseSqlFilter(filterDef.sqlExpression) };
    } else filter = { type: 'correlation', spec: normalizeCorrelationFilter(filterDef) };
  } catch (error) {
    if (error instanceof TwinError) throw error;
    throw new TwinError(
      AmqpCondition.ArgumentError,
      `Invalid filter for rule '${name}': ${(error as Error).message}`,
    );
  }
  let action: SqlRuleAction | undefined;
  const actionText =
    typeof definition.action === 'string' ? definition.action : definition.action?.sqlExpression;
  if (actionText !== undefined && actionText.trim().length > 0) {
    try {
      action = parseSqlRuleAction(actionText);
    } catch (error) {
      throw new TwinError(
        AmqpCondition.ArgumentError,
        `Invalid action for rule '${name}': ${(error as Error).message}`,
      );
    }
  }
  return {
    name,
    filter,
    action,
    createdAt: now,
    matches(target) {
      switch (filter.type) {
        case 'true':
          return true;
        case 'false':
          return false;
        case 'sql':
          return filter.sql.matches(target);
        case 'correlation':
          return matchesCorrelationFilter(filter.spec, target.message);
      }
    },
  };
}

/**
 * The definition a compiled rule was built from (what `twin.listRules` returns).
 *
 * @example
 * ```ts
 * describeRule(rule); // { name: 'r', filter: { sqlExpression: '…' } }
 * ```
 */
export function describeRule(rule: Rule): RuleDefinition {
  const out: RuleDefinition = { name: rule.name };
  switch (rule.filter.type) {
    case 'true':
      out.filter = true;
      break;
    case 'false':
      out.filter = false;
      break;
    case 'sql':
      out.filter = { sqlExpression: rule.filter.sql.expression };
      break;
    case 'correlation':
      out.filter = { ...rule.filter.spec };
      break;
  }
  if (rule.action !== undefined) out.action = rule.action.expression;
  return out;
}

const str = (v: string | undefined): unknown => (v === undefined ? null : wire.string(v));

/**
 * The `rule-description` described list of an `enumerate-rules` reply, as the SDK's `getRules()` parses it.
 *
 * @example
 * ```ts
 * reply.body = { rules: rules.map((r) => ({ 'rule-description': encodeRuleDescription(r) })) };
 * ```
 */
export function encodeRuleDescription(rule: Rule): unknown {
  let filter: unknown;
  switch (rule.filter.type) {
    case 'true':
      filter = wire.described(RuleDescriptors.trueFilter, [wire.string('1=1'), wire.int(20)]);
      break;
    case 'false':
      filter = wire.described(RuleDescriptors.falseFilter, [wire.string('1=0'), wire.int(20)]);
      break;
    case 'sql':
      filter = wire.described(RuleDescriptors.sqlFilter, [
        wire.string(rule.filter.sql.expression),
        wire.int(20),
      ]);
      break;
    case 'correlation': {
      const s = rule.filter.spec;
      filter = wire.described(RuleDescriptors.correlationFilter, [
        str(s.correlationId),
        str(s.messageId),
        str(s.to),
        str(s.replyTo),
        str(s.subject),
        str(s.sessionId),
        str(s.replyToSessionId),
        str(s.contentType),
        wire.map(s.applicationProperties ?? {}),
      ]);
      break;
    }
  }
  const action =
    rule.action === undefined
      ? wire.described(RuleDescriptors.emptyRuleAction, [])
      : wire.described(RuleDescriptors.sqlRuleAction, [wire.string(rule.action.expression), wire.int(20)]);
  return wire.described(RuleDescriptors.ruleDescription, [
    filter,
    action,
    wire.string(rule.name),
    new Date(rule.createdAt),
  ]);
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Reads the `rule-description` map of an `add-rule` request (`sql-filter`, `correlation-filter`,
 * `sql-rule-action`) into a {@link RuleDefinition}.
 *
 * @example
 * ```ts
 * ruleFromWire('r', { 'sql-filter': { expression: 'a = 1' } }); // { name: 'r', filter: { sqlExpression: 'a = 1' } }
 * ```
 */
export function ruleFromWire(name: string, description: unknown): RuleDefinition {
  if (description === null || typeof description !== 'object') {
    throw new TwinError(AmqpCondition.ArgumentError, 'The rule description is missing.');
  }
  const d = description as Record<string, unknown>;
  const out: RuleDefinition = { name };
  const sql = d['sql-filter'] as Record<string, unknown> | undefined;
  const correlation = d['correlation-filter'] as Record<string, unknown> | undefined;
  if (sql && typeof sql === 'object') {
    const expression = optionalString(sql.expression);
    if (expression === undefined)
      throw new TwinError(AmqpCondition.ArgumentError, 'The SQL filter has no expression.');
    out.filter = { sqlExpression: expression };
  } else if (correlation && typeof correlation === 'object') {
    const spec: CorrelationFilterSpec = {};
    const set = (key: keyof Omit<CorrelationFilterSpec, 'applicationProperties'>, wireKey: string): void => {
      const value = optionalString(correlation[wireKey]);
      if (value !== undefined) spec[key] = value;
    };
    set('correlationId', 'correlation-id');
    set('messageId', 'message-id');
    set('to', 'to');
    set('replyTo', 'reply-to');
    set('subject', 'label');
    set('sessionId', 'session-id');
    set('replyToSessionId', 'reply-to-session-id');
    set('contentType', 'content-type');
    const props = correlation.properties;
    if (props !== null && typeof props === 'object' && !Buffer.isBuffer(props)) {
      spec.applicationProperties = props as Record<string, string | number | boolean | Date>;
    }
    out.filter = spec;
  } else {
    out.filter = true;
  }
  const action = d['sql-rule-action'] as Record<string, unknown> | undefined;
  if (action && typeof action === 'object') {
    const expression = optionalString(action.expression);
    if (expression !== undefined) out.action = expression;
  }
  return out;
}

/**
 * The copies a subscription stores for one message: one for all matching rules without an action (at most one
 * copy), plus one per matching rule with an action (annotated by the action and carrying a `RuleName` property).
 *
 * @example
 * ```ts
 * const copies = applyRules(subscription.rules.values(), message, { sequenceNumber: 1 });
 * ```
 */
export function applyRules(
  rules: Iterable<Rule>,
  message: AmqpMessage,
  facts: Omit<FilterTarget, 'message'> = {},
): AmqpMessage[] {
  const copies: AmqpMessage[] = [];
  let plainMatch = false;
  const target: FilterTarget = { ...facts, message };
  for (const rule of rules) {
    if (!rule.matches(target)) continue;
    if (rule.action === undefined) {
      plainMatch = true;
      continue;
    }
    const copy: AmqpMessage = {
      ...message,
      application_properties: { ...(message.application_properties ?? {}) },
    };
    rule.action.apply(copy, facts);
    copy.application_properties = { ...(copy.application_properties ?? {}), RuleName: rule.name };
    copies.push(copy);
  }
  if (plainMatch) copies.unshift(message);
  return copies;
}
