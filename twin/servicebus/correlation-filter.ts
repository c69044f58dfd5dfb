/**
 * Correlation filters: a set of system-property and application-property values that must all be equal to the
 * message's (a logical AND; string comparison is exact and case-sensitive, as in the service).
 */
import { type AmqpMessage, idToString } from './amqp.js';

/**
 * The fields of a correlation filter, named like the SDK's `CorrelationRuleFilter`.
 *
 * @example
 * ```ts
 * const spec: CorrelationFilterSpec = { subject: 'order.created', applicationProperties: { region: 'eu' } };
 * ```
 */
export interface CorrelationFilterSpec {
  correlationId?: string;
  messageId?: string;
  to?: string;
  replyTo?: string;
  subject?: string;
  sessionId?: string;
  replyToSessionId?: string;
  contentType?: string;
  applicationProperties?: Record<string, string | number | boolean | Date>;
}

const SYSTEM_FIELDS: ReadonlyArray<
  [keyof Omit<CorrelationFilterSpec, 'applicationProperties'>, (m: AmqpMessage) => unknown]
> = [
  ['correlationId', (m) => idToString(m.correlation_id)],
  ['messageId', (m) => idToString(m.message_id)],
  ['to', (m) => m.to],
  ['replyTo', (m) => m.reply_to],
  ['subject', (m) => m.subject],
  ['sessionId', (m) => m.group_id],
  ['replyToSessionId', (m) => m.reply_to_group_id],
  ['contentType', (m) => m.content_type],
];

function sameValue(expected: unknown, actual: unknown): boolean {
  if (expected instanceof Date && actual instanceof Date) return expected.getTime() === actual.getTime();
  if (typeof expected === 'number' && typeof actual === 'number') return expected === actual;
  return expected === actual;
}

/**
 * Removes empty fields (`undefined`/`null`) so that a spec decoded from the wire compares and serializes cleanly.
 * Throws when nothing is left: the service refuses an empty correlation filter.
 *
 * @example
 * ```ts
 * normalizeCorrelationFilter({ subject: 'a', to: undefined }); // { subject: 'a' }
 * ```
 */
export function normalizeCorrelationFilter(spec: CorrelationFilterSpec): CorrelationFilterSpec {
  const out: CorrelationFilterSpec = {};
  for (const [field] of SYSTEM_FIELDS) {
    const value = spec[field];
    if (value !== undefined && value !== null) out[field] = String(value);
  }
  const props = spec.applicationProperties;
  if (props !== undefined && props !== null) {
    const copy: Record<string, string | number | boolean | Date> = {};
    for (const [key, value] of Object.entries(props)) {
      if (value !== undefined && value !== null) copy[key] = value;
    }
    if (Object.keys(copy).length > 0) out.applicationProperties = copy;
  }
  if (Object.keys(out).length === 0)
    throw new Error('A correlation filter needs at least one property to match.');
  return out;
}

/**
 * True when every field set in `spec` equals the message's value.
 *
 * @example
 * ```ts
 * matchesCorrelationFilter({ correlationId: 'c1' }, { correlation_id: 'c1' }); // true
 * ```
 */
export function matchesCorrelationFilter(spec: CorrelationFilterSpec, message: AmqpMessage): boolean {
  for (const [field, read] of SYSTEM_FIELDS) {
    const expected = spec[field];
    if (expected === undefined) continue;
    if (read(message) !== expected) return false;
  }
  const expectedProps = spec.applicationProperties;
  if (expectedProps !== undefined) {
    const actual = message.application_properties ?? {};
    for (const [key, value] of Object.entries(expectedProps)) {
      if (!Object.hasOwn(actual, key) || !sameValue(value, actual[key])) return false;
    }
  }
  return true;
}
