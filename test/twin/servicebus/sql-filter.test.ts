import { describe, expect, it } from 'vitest';
import type { AmqpMessage } from '../../../twin/servicebus/amqp.js';
import { matchesCorrelationFilter } from '../../../twin/servicebus/correlation-filter.js';
import { parseSqlFilter, parseSqlRuleAction, SqlSyntaxError } from '../../../twin/servicebus/sql-filter.js';

// Unit tests of the filter language (no SDK involved, hence not named "twin servicebus: …").
describe('servicebus twin sql-filter (unit)', () => {
  const message: AmqpMessage = {
    message_id: 'm-1',
    subject: 'order.created',
    to: 'shipping',
    correlation_id: 'c-9',
    content_type: 'application/json',
    group_id: 'session-1',
    application_properties: {
      amount: 150,
      ratio: 0.5,
      region: 'eu',
      vip: true,
      note: null,
      path: '100%_sure',
      'odd name': 'x',
      when: new Date('2030-01-01T00:00:00Z'),
    },
  };
  const match = (expression: string): boolean =>
    parseSqlFilter(expression).matches({ message, sequenceNumber: 7 });

  it.each([
    ['amount = 150', true],
    ['amount <> 150', false],
    ['amount != 149', true],
    ['amount >= 150 AND amount <= 150', true],
    ['amount / 3 = 50', true],
    ['amount % 100 = 50', true],
    ['-amount < 0', true],
    ['ratio * 4 = 2', true],
    ['1 = 1', true],
    ['1=0', false],
    ['TRUE', true],
    ["region = 'EU'", false],
    ["region = 'eu' OR missing = 1", true],
    ["missing = 1 OR region = 'us'", false],
    ['NOT (missing = 1)', false],
    ['NOT missing = 1 OR vip = TRUE', true],
    ["region IN ('us', 'eu')", true],
    ["region NOT IN ('us', 'eu')", false],
    ['missing IN (1, 2)', false],
    ["path LIKE '100!%!_%' ESCAPE '!'", true],
    ["path LIKE '100%'", true],
    ["path LIKE '_00%sure'", true],
    ["path NOT LIKE '%sure'", false],
    ['EXISTS(note)', true],
    ['EXISTS(missing)', false],
    ['note IS NULL', true],
    ['missing IS NULL', true],
    ['amount IS NOT NULL', true],
    ["sys.MessageId = 'm-1'", true],
    ["sys.label LIKE 'order.%' AND SYS.To = 'shipping'", true],
    ["sys.Subject = 'order.created'", true],
    ["sys.CorrelationId = 'c-9' AND sys.ContentType = 'application/json'", true],
    ["sys.SessionId = 'session-1'", true],
    ['sys.ReplyTo IS NULL', true],
    ['sys.SequenceNumber = 7', true],
    ["user.[odd name] = 'x'", true],
    ['"odd name" = \'x\'', true],
    ["amount = '150'", false],
    ["region + '-1' = 'eu-1'", true],
  ])('%s → %s', (expression, expected) => {
    expect(match(expression)).toBe(expected);
  });

  it('rejects invalid expressions with a position', () => {
    for (const bad of [
      "a = 'x",
      'a =',
      'a IS 1',
      'sys.Nope = 1',
      'foo.bar = 1',
      'amount',
      '(a = 1',
      "a LIKE 'x' ESCAPE",
      '',
    ]) {
      expect(() => parseSqlFilter(bad), bad).toThrow(SqlSyntaxError);
    }
  });

  it('applies SET and REMOVE actions to user and system properties', () => {
    const copy: AmqpMessage = { ...message, application_properties: { ...message.application_properties } };
    parseSqlRuleAction(
      "SET sys.Label = 'routed'; SET amount = amount + 1 REMOVE region; SET user.tag = newid()",
    ).apply(copy);
    expect(copy.subject).toBe('routed');
    expect(copy.application_properties?.amount).toBe(151);
    expect(copy.application_properties).not.toHaveProperty('region');
    expect(String(copy.application_properties?.tag)).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => parseSqlRuleAction('SET sys.SequenceNumber = 1')).toThrow(SqlSyntaxError);
  });

  it('correlation filters compare every given field exactly', () => {
    expect(matchesCorrelationFilter({ correlationId: 'c-9', subject: 'order.created' }, message)).toBe(true);
    expect(matchesCorrelationFilter({ correlationId: 'C-9' }, message)).toBe(false);
    expect(matchesCorrelationFilter({ applicationProperties: { amount: 150, region: 'eu' } }, message)).toBe(
      true,
    );
    expect(matchesCorrelationFilter({ applicationProperties: { amount: 151 } }, message)).toBe(false);
    expect(
      matchesCorrelationFilter(
        { sessionId: 'session-1', to: 'shipping', contentType: 'application/json' },
        message,
      ),
    ).toBe(true);
  });
});
