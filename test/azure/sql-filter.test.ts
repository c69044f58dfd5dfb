/**
 * The neutral filter → Service Bus SQL translation: exact text for each condition kind, escaping, validation, the
 * subscription rules built on it, and agreement with the bus's own `matchesFilter` when the SQL is evaluated by the
 * twin's SQL engine (an independent implementation of the service's filter language).
 */
import { describe, expect, it } from 'vitest';
import { conditionSql, sqlFilterOf, sqlProperty, sqlString } from '../../adapters/azure/sql-filter.js';
import { fanOutRuleSql, redeliverRuleSql, rulesOf } from '../../adapters/azure/topology.js';
import { CapabilityError } from '../../core/errors.js';
import { type Attributes, type Filter, matchesFilter, ValidationError } from '../../core/index.js';
import { parseSqlFilter } from '../../twin/servicebus/index.js';

describe('azure servicebus: sql filter translation', () => {
  it('translates each condition kind to its SQL', () => {
    expect(sqlFilterOf({ region: 'eu' })).toBe("user.[region] = 'eu'");
    expect(sqlFilterOf({ n: 5 })).toBe("(user.[n] = 5 OR user.[n] = '5')");
    expect(sqlFilterOf({ code: '42' })).toBe("(user.[code] = '42' OR user.[code] = 42)");
    expect(sqlFilterOf({ tier: { anyOf: ['gold', 'silver'] } })).toBe("user.[tier] IN ('gold', 'silver')");
    expect(sqlFilterOf({ level: { anyOf: [1, 'two'] } })).toBe(
      "(user.[level] IN ('1', 'two') OR user.[level] IN (1))",
    );
    expect(sqlFilterOf({ sku: { prefix: 'BK-' } })).toBe("user.[sku] LIKE 'BK-%' ESCAPE '!'");
    expect(sqlFilterOf({ coupon: { exists: true } })).toBe('EXISTS(user.[coupon])');
    expect(sqlFilterOf({ gift: { exists: false } })).toBe('NOT EXISTS(user.[gift])');
    expect(sqlFilterOf({ total: { range: { gte: 1, lt: 5 } } })).toBe(
      '(user.[total] >= 1 AND user.[total] < 5)',
    );
    expect(sqlFilterOf({ total: { range: { gt: -2.5 } } })).toBe('user.[total] > -2.5');
    expect(sqlFilterOf({ a: 'x', b: { exists: true } })).toBe("user.[a] = 'x' AND EXISTS(user.[b])");
  });

  it('escapes quotes, brackets and LIKE wildcards', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlProperty('a]b')).toBe('user.[a]]b]');
    expect(sqlProperty('order-id')).toBe('user.[order-id]');
    expect(conditionSql('sku', { prefix: "50%_off!'s" })).toBe(
      "user.[sku] LIKE '50!%!_off!!''s%' ESCAPE '!'",
    );
  });

  it('refuses a malformed filter with a ValidationError naming the attribute', () => {
    const error = (() => {
      try {
        sqlFilterOf({ total: { range: {} } } as unknown as Filter, 'subscription "t/s".filter');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).field).toBe('subscription "t/s".filter.total');
    expect(() => sqlFilterOf({})).toThrow(/at least one attribute condition/);
  });

  it('builds the fan-out and redelivery rules of a subscription', () => {
    expect(fanOutRuleSql(undefined)).toBe('NOT EXISTS(user.[omnibus_to])');
    expect(fanOutRuleSql({ region: 'eu' })).toBe("(user.[region] = 'eu') AND NOT EXISTS(user.[omnibus_to])");
    expect(redeliverRuleSql("o'k")).toBe("user.[omnibus_to] = 'o''k'");
    const spec = {
      kind: 'subscription' as const,
      name: 'audit',
      topic: 'orders',
      format: 'json' as const,
      ordered: false,
      filter: { region: 'eu' },
      leaseSeconds: 30,
      retentionSeconds: 3600,
      maxDeliveries: 5,
      deadLetterQueue: undefined,
    };
    expect(rulesOf(spec).map((r) => r.name)).toEqual(['omnibus', 'omnibus-redeliver']);
    for (const rule of rulesOf(spec)) expect(() => parseSqlFilter(rule.filter.sqlExpression)).not.toThrow();
    const huge = { ...spec, filter: { region: { anyOf: Array.from({ length: 200 }, (_, i) => `r-${i}`) } } };
    expect(() => rulesOf(huge)).toThrow(CapabilityError);
  });

  it("agrees with the bus's matchesFilter on the service's SQL semantics (evaluated by the twin's engine)", () => {
    const filters: Filter[] = [
      { region: 'eu' },
      { tier: { anyOf: ['gold', 'silver'] } },
      { sku: { prefix: 'BK-' } },
      { sku: { prefix: '50%_' } },
      { coupon: { exists: true }, gift: { exists: false } },
      { total: { range: { gte: 100, lt: 200 } } },
      { total: { range: { gt: 10, lte: 11 } } },
      { region: 'eu', total: { range: { gt: 10 } }, tier: { anyOf: ['gold'] } },
      { n: 5 },
      { code: '42' },
      { level: { anyOf: [1, 'two'] } },
      { "we'ird]name": 'x' },
    ];
    const samples: Attributes[] = [
      {},
      { region: 'eu' },
      { region: 'EU' },
      { region: 'us', other: 'eu' },
      { tier: 'gold' },
      { tier: 'golden' },
      { sku: 'BK-1' },
      { sku: 'bk-1' },
      { sku: '50%_off' },
      { sku: '50xxoff' },
      { coupon: 'c' },
      { coupon: 'c', gift: 'g' },
      { total: 100 },
      { total: 150.5 },
      { total: 200 },
      { total: 11 },
      { total: 10 },
      { region: 'eu', total: 11, tier: 'gold' },
      { region: 'eu', total: 10, tier: 'gold' },
      { n: 5 },
      { n: '5' },
      { n: 6 },
      { code: 42 },
      { code: '42' },
      { code: '042' },
      { level: 1 },
      { level: '1' },
      { level: 'two' },
      { level: 2 },
      { "we'ird]name": 'x' },
      { sku: Buffer.from('BK-1') },
    ];
    for (const filter of filters) {
      const sql = parseSqlFilter(sqlFilterOf(filter));
      for (const attributes of samples) {
        const server = sql.matches({ message: { application_properties: { ...attributes } } });
        expect(server, `${JSON.stringify(filter)} on ${JSON.stringify(attributes)}`).toBe(
          matchesFilter(filter, attributes),
        );
      }
    }
  });
});
