import { protos } from '@google-cloud/pubsub';
import { describe, expect, it } from 'vitest';
import { toOmnibusError } from '../../adapters/gcp/errors.js';
import {
  decodeAttributes,
  encodeAttributes,
  GCP_CAPABILITIES,
  TARGET_ATTRIBUTE,
  TYPES_ATTRIBUTE,
  toFilterExpression,
} from '../../adapters/gcp/index.js';
import { assertResourceId, subscriptionIdOf, topicIdOf } from '../../adapters/gcp/names.js';
import { toWireMessage } from '../../adapters/gcp/outgoing.js';
import { planTopology } from '../../adapters/gcp/provision.js';
import { publishRequestBytes } from '../../adapters/gcp/wire-size.js';
import {
  ConfigurationError,
  defineQueue,
  defineTopic,
  LimitError,
  matchesFilter,
  NotFoundError,
  TransportError,
  topologyOf,
  ValidationError,
} from '../../core/index.js';

describe('gcp pubsub: filter translation', () => {
  it('translates equals, anyOf, prefix and exists', () => {
    expect(toFilterExpression({ region: 'eu' }).expression).toBe('attributes.region = "eu"');
    expect(toFilterExpression({ tier: { anyOf: ['gold', 'silver'] } }).expression).toBe(
      '(attributes.tier = "gold" OR attributes.tier = "silver")',
    );
    expect(toFilterExpression({ tier: { anyOf: ['gold', 'gold'] } }).expression).toBe(
      'attributes.tier = "gold"',
    );
    expect(toFilterExpression({ sku: { prefix: 'BK-' } }).expression).toBe(
      'hasPrefix(attributes.sku, "BK-")',
    );
    expect(toFilterExpression({ coupon: { exists: true } }).expression).toBe('attributes:coupon');
    expect(toFilterExpression({ coupon: { exists: false } }).expression).toBe('NOT attributes:coupon');
  });

  it('joins conditions with AND, in declaration order', () => {
    const t = toFilterExpression({ region: 'eu', tier: { anyOf: ['a', 'b'] }, gone: { exists: false } });
    expect(t.expression).toBe(
      'attributes.region = "eu" AND (attributes.tier = "a" OR attributes.tier = "b") AND NOT attributes:gone',
    );
    expect(t.serverSide).toEqual(['region', 'tier', 'gone']);
    expect(t.clientOnly).toEqual([]);
  });

  it('leaves numeric equality and ranges to the client-side check', () => {
    const t = toFilterExpression({
      region: 'eu',
      priority: 5,
      total: { range: { gte: 100 } },
      mixed: { anyOf: ['a', 1] },
    });
    expect(t.expression).toBe('attributes.region = "eu"');
    expect(t.clientOnly.map((c) => c.attribute)).toEqual(['priority', 'total', 'mixed']);
    expect(t.clientOnly[1]?.reason).toContain('range');
  });

  it('has no expression when nothing is expressible', () => {
    const t = toFilterExpression({ total: { range: { lt: 3 } } });
    expect(t.expression).toBeUndefined();
    expect(t.serverSide).toEqual([]);
  });

  it('quotes keys that are not letters, digits, - and _, and escapes literals', () => {
    expect(toFilterExpression({ 'iana.org/lang': 'en' }).expression).toBe(
      'attributes."iana.org/lang" = "en"',
    );
    expect(toFilterExpression({ 'a.b': { exists: true } }).expression).toBe('attributes:"a.b"');
    expect(toFilterExpression({ k: 'say "hi" \\o/' }).expression).toBe(
      'attributes.k = "say \\"hi\\" \\\\o/"',
    );
    expect(toFilterExpression({ 'with-dash_1': 'x' }).expression).toBe('attributes.with-dash_1 = "x"');
  });

  it('keeps values with control characters client-side', () => {
    const t = toFilterExpression({ k: 'line\nbreak', j: 'ok' });
    expect(t.expression).toBe('attributes.j = "ok"');
    expect(t.clientOnly).toEqual([{ attribute: 'k', reason: 'the value holds control characters' }]);
  });

  it('stays within 256 bytes by leaving later conditions client-side', () => {
    const filter = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`attribute${i}`, `value-${i}-xx`]),
    );
    const t = toFilterExpression(filter);
    expect(Buffer.byteLength(t.expression ?? '')).toBeLessThanOrEqual(256);
    expect(t.serverSide.length).toBeGreaterThan(0);
    expect(t.serverSide.length + t.clientOnly.length).toBe(12);
    expect(t.clientOnly.every((c) => c.reason.includes('256 bytes'))).toBe(true);
  });

  it('never filters out on the server what the neutral filter accepts (superset property)', () => {
    // Evaluate the translated server part with the neutral evaluator on the server-side keys only: every message
    // the full filter accepts must pass it.
    const filter = {
      region: 'eu',
      n: 5,
      tier: { anyOf: ['a', 'b'] },
      p: { prefix: 'x' },
      gone: { exists: false },
    };
    const t = toFilterExpression(filter);
    const serverPart = Object.fromEntries(t.serverSide.map((k) => [k, filter[k as keyof typeof filter]]));
    const samples = [
      { region: 'eu', n: '5.0', tier: 'a', p: 'xy' },
      { region: 'eu', n: '05', tier: 'b', p: 'x' },
      { region: 'us', n: '5', tier: 'a', p: 'x' },
    ];
    for (const s of samples) {
      if (matchesFilter(filter, s)) expect(matchesFilter(serverPart, s)).toBe(true);
    }
    expect(t.serverSide).not.toContain('n');
  });
});

describe('gcp pubsub: attribute mapping', () => {
  it('writes numbers as decimal text and bytes as base64, with omnibus_types', () => {
    const wire = encodeAttributes({
      s: 'text',
      n: -3.25,
      big: 1234567890123,
      b: new Uint8Array([0, 255, 128]),
    });
    expect(wire).toEqual({
      s: 'text',
      n: '-3.25',
      big: '1234567890123',
      b: 'AP+A',
      omnibus_types: 'n=n,big;b=b',
    });
  });

  it('round-trips types, and strips its own attributes', () => {
    const attrs = { s: '5', n: 5, z: 0, b: new Uint8Array([1, 2, 3]), 'odd,name;=': 7 };
    const wire = encodeAttributes(attrs, 'orders-email');
    expect(wire[TARGET_ATTRIBUTE]).toBe('orders-email');
    const back = decodeAttributes(wire);
    expect(back.target).toBe('orders-email');
    expect(back.attributes).toEqual({ s: '5', n: 5, z: 0, b: new Uint8Array([1, 2, 3]), 'odd,name;=': 7 });
    expect(back.attributes.b).toBeInstanceOf(Uint8Array);
  });

  it('writes no omnibus_types for strings only', () => {
    expect(encodeAttributes({ a: 'x' })).toEqual({ a: 'x' });
  });

  it('reads plain-client attributes as strings, and bad typed values as text', () => {
    expect(decodeAttributes({ n: '5' }).attributes).toEqual({ n: '5' });
    expect(decodeAttributes({ n: 'five', b: '!!', [TYPES_ATTRIBUTE]: 'n=n;b=b' }).attributes).toEqual({
      n: 'five',
      b: '!!',
    });
    expect(decodeAttributes(undefined)).toEqual({ attributes: {}, target: undefined });
  });

  it('refuses byte attributes whose base64 passes 1024 bytes', () => {
    expect(() => encodeAttributes({ ok: new Uint8Array(768) })).not.toThrow();
    const err = (() => {
      try {
        encodeAttributes({ sig: new Uint8Array(769) });
      } catch (e) {
        return e;
      }
    })();
    expect(LimitError.isInstance(err)).toBe(true);
    expect((err as LimitError).field).toBe('attributes.sig (as base64)');
    expect((err as LimitError).limit).toBe(1024);
  });
});

describe('gcp pubsub: outgoing messages', () => {
  const topic = 'projects/p/topics/t';

  it('computes the exact publish request size (checked against the protobuf encoder)', () => {
    const cases = [
      { data: Buffer.from('hello'), attributes: { k: 'v', ü: 'é'.repeat(200) } },
      { data: Buffer.alloc(300), attributes: {}, orderingKey: 'key-1' },
      { data: Buffer.alloc(0), attributes: { a: '' } },
      {
        data: Buffer.alloc(70_000),
        attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, 'x'.repeat(i * 20)])),
      },
    ];
    for (const message of cases) {
      const encoded = protos.google.pubsub.v1.PublishRequest.encode({ topic, messages: [message] }).finish();
      expect(publishRequestBytes(topic, message)).toBe(encoded.length);
    }
  });

  it('refuses an empty body without attributes, a native delay and oversized requests', () => {
    expect(() => toWireMessage({ body: '', attributes: {} }, topic)).toThrow(ValidationError);
    expect(toWireMessage({ body: '', attributes: { a: 'x' } }, topic).data.length).toBe(0);
    expect(() => toWireMessage({ body: 'x', attributes: {}, delaySeconds: 5 }, topic)).toThrow(/delay/);
    const big = 'x'.repeat(10_000_000);
    try {
      toWireMessage({ body: big, attributes: {} }, topic);
      expect.unreachable();
    } catch (e) {
      expect(LimitError.isInstance(e)).toBe(true);
      expect((e as LimitError).limit).toBe(10_000_000);
      expect((e as LimitError).actual).toBeGreaterThan(10_000_000);
    }
  });

  it('counts Omnibus attributes against Pub/Sub’s 100 and checks the ordering key in bytes', () => {
    const attributes = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`a${i}`, i]));
    // 99 numbers + omnibus_types = 100 attributes: fits; + omnibus_target = 101: refused.
    expect(Object.keys(toWireMessage({ body: 'x', attributes }, topic).attributes)).toHaveLength(100);
    expect(() => toWireMessage({ body: 'x', attributes }, topic, 'sub')).toThrow(LimitError);
    expect(() => toWireMessage({ body: 'x', attributes: {}, orderingKey: 'é'.repeat(513) }, topic)).toThrow(
      /orderingKey/,
    );
    expect(
      toWireMessage({ body: 'x', attributes: {}, orderingKey: 'é'.repeat(512) }, topic).orderingKey,
    ).toBe('é'.repeat(512));
  });

  it('ignores dedup ids (Pub/Sub has no broker dedup)', () => {
    expect(toWireMessage({ body: 'x', attributes: {}, dedupId: 'd-1' }, topic)).toEqual({
      data: Buffer.from('x'),
      attributes: {},
    });
  });
});

describe('gcp pubsub: names and provisioning plan', () => {
  it('maps queues, topics and subscriptions to Pub/Sub ids', () => {
    const billing = defineQueue('billing');
    const orders = defineTopic('order-placed');
    orders.subscription('email', { filter: { channel: 'email' }, maxAttempts: 3 });
    const topology = topologyOf([billing, orders], GCP_CAPABILITIES);
    const q = topology.queues.find((x) => x.name === 'billing')!;
    const s = topology.subscriptions[0]!;
    expect(topicIdOf(q)).toBe('billing');
    expect(subscriptionIdOf(q)).toBe('billing');
    expect(topicIdOf(s)).toBe('order-placed');
    expect(subscriptionIdOf(s)).toBe('order-placed-email');
    const plan = planTopology(topology);
    expect(plan.topics.sort()).toEqual(['billing', 'billing-dlq', 'order-placed', 'order-placed-email-dlq']);
    const byId = new Map(plan.subscriptions.map((p) => [p.id, p]));
    expect([...byId.keys()].sort()).toEqual([
      'billing',
      'billing-dlq',
      'order-placed-email',
      'order-placed-email-dlq',
    ]);
    // maxAttempts 5 + one delivery core reserves on queues for an emulated-delay hold.
    expect(byId.get('billing')?.deadLetter).toEqual({ topicId: 'billing-dlq', maxDeliveryAttempts: 6 });
    // maxAttempts 3 is below Pub/Sub's minimum of 5: core clamps the safety net to 5.
    expect(byId.get('order-placed-email')?.deadLetter).toEqual({
      topicId: 'order-placed-email-dlq',
      maxDeliveryAttempts: 5,
    });
    expect(byId.get('order-placed-email')?.filter).toBe('attributes.channel = "email"');
    expect(byId.get('billing')?.ackDeadlineSeconds).toBe(30);
    expect(byId.get('billing-dlq')?.deadLetter).toBeUndefined();
    expect(byId.get('billing-dlq')?.retentionSeconds).toBe(7 * 24 * 3600); // 14 days declared, 7 days max
  });

  it('clamps leases to 10–600 s', () => {
    const short = defineQueue('short-lease', { leaseSeconds: 2 });
    const long = defineQueue('long-lease', { leaseSeconds: 3600 });
    const plan = planTopology(topologyOf([short, long], GCP_CAPABILITIES));
    const byId = new Map(plan.subscriptions.map((p) => [p.id, p]));
    expect(byId.get('short-lease')?.ackDeadlineSeconds).toBe(10);
    expect(byId.get('long-lease')?.ackDeadlineSeconds).toBe(600);
  });

  it('refuses names Pub/Sub cannot use', () => {
    expect(() => assertResourceId('ab', 'queue "ab"')).toThrow(ValidationError);
    expect(() => assertResourceId('google-things', 'topic "google-things"')).toThrow(/goog/);
    expect(assertResourceId('abc', 'queue "abc"')).toBe('abc');
  });
});

describe('gcp pubsub: error mapping', () => {
  it('maps gRPC codes to typed errors', () => {
    expect(toOmnibusError({ code: 5, details: 'Topic not found' }, 'publish', 'topic "t"')).toBeInstanceOf(
      NotFoundError,
    );
    const unavailable = toOmnibusError({ code: 14, details: 'down' }, 'publish');
    expect(unavailable).toBeInstanceOf(TransportError);
    expect(unavailable.retryable).toBe(true);
    const invalid = toOmnibusError({ code: 3, details: 'bad' }, 'publish');
    expect(invalid.retryable).toBe(false);
    expect(toOmnibusError({ code: 7, details: 'no' }, 'publish')).toBeInstanceOf(ConfigurationError);
    expect(toOmnibusError(new Error('socket hang up'), 'publish').retryable).toBe(true);
  });
});
