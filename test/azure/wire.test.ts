/**
 * Pure mappings of the Azure adapter: attributes ↔ application properties, bodies, the delayed-release copy, the
 * dead-letter properties, entity planning, and the declared limits.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { copyFor, propertiesToModify } from '../../adapters/azure/delivery.js';
import { toOmnibusError } from '../../adapters/azure/errors.js';
import {
  azureCapabilities,
  MAX_HEADER_BYTES,
  MESSAGE_SIZE_RESERVE_BYTES,
  STANDARD_MAX_MESSAGE_BYTES,
} from '../../adapters/azure/limits.js';
import { isoDuration, lockSecondsOf, planEntities } from '../../adapters/azure/topology.js';
import {
  bodyOf,
  fromApplicationProperties,
  fromReceived,
  toApplicationProperties,
  toServiceBusMessage,
} from '../../adapters/azure/wire.js';
import { headerBytes } from '../../adapters/azure/wire-size.js';
import {
  CapabilityError,
  checkAttributes,
  createBus,
  decodeMeta,
  defineQueue,
  defineTopic,
  LimitError,
  NotFoundError,
  OmnibusError,
  TransportError,
  topologyOf,
  ValidationError,
} from '../../core/index.js';

const caps = azureCapabilities();

function received(overrides: Partial<ServiceBusReceivedMessage>): ServiceBusReceivedMessage {
  return {
    body: Buffer.from('{}'),
    messageId: 'm-1',
    deliveryCount: 0,
    enqueuedTimeUtc: new Date(1_700_000_000_000),
    applicationProperties: {},
    ...overrides,
  } as ServiceBusReceivedMessage;
}

describe('azure servicebus: wire mapping', () => {
  it('attributes become typed application properties and come back typed', () => {
    const props = toApplicationProperties({
      s: 'x',
      n: -7.5,
      big: 1234567890123,
      b: Uint8Array.from([0, 255]),
    });
    expect(props.s).toBe('x');
    expect(props.n).toBe(-7.5);
    expect(Buffer.isBuffer(props.b)).toBe(true);
    const back = fromApplicationProperties({ ...props, flag: true, when: new Date(5), none: null });
    expect(back).toEqual({
      s: 'x',
      n: -7.5,
      big: 1234567890123,
      b: Buffer.from([0, 255]),
      flag: 'true',
      when: 5,
    });
  });

  it('drops Service Bus dead-letter properties, the routing property, and metadata on dead letters', () => {
    expect(
      fromApplicationProperties({
        k: 'v',
        DeadLetterReason: 'r',
        DeadLetterErrorDescription: 'd',
        omnibus_to: 's',
      }),
    ).toEqual({ k: 'v' });
    expect(fromApplicationProperties({ k: 'v', omnibus_meta: 'a=2', omnibus_dead_letter: '{}' })).toEqual({
      k: 'v',
      omnibus_dead_letter: '{}',
    });
    expect(fromApplicationProperties({ omnibus_meta: 'a=2' })).toEqual({ omnibus_meta: 'a=2' });
  });

  it('bodies travel as one data section of the encoded bytes, with a content type', () => {
    const m = toServiceBusMessage({ body: '{"a":1}', attributes: { k: 'v' }, id: 'id-1' }, 'json', 0);
    expect(m.body).toEqual(Buffer.from('{"a":1}'));
    expect(m.contentType).toBe('application/json');
    expect(m.messageId).toBe('id-1');
    expect(m.sessionId).toBeUndefined();
    expect(m.scheduledEnqueueTimeUtc).toBeUndefined();
    const keyed = toServiceBusMessage(
      {
        body: Uint8Array.from([1, 2]),
        attributes: {},
        orderingKey: 'k',
        dedupId: 'd',
        id: 'i',
        delaySeconds: 5,
      },
      'binary',
      1_000,
    );
    expect(keyed).toMatchObject({ sessionId: 'k', messageId: 'd', contentType: 'application/octet-stream' });
    expect(keyed.scheduledEnqueueTimeUtc).toEqual(new Date(6_000));
    const defaulted = toServiceBusMessage({ body: 'x', attributes: {} }, 'text', 0, {
      defaultDelaySeconds: 3,
    });
    expect(defaulted.scheduledEnqueueTimeUtc).toEqual(new Date(3_000));
    expect(typeof defaulted.messageId).toBe('string');
  });

  it('reads bodies in the format the source wants', () => {
    expect(bodyOf(Buffer.from('{"a":1}'), 'json')).toBe('{"a":1}');
    expect(bodyOf(Buffer.from([0, 255]), 'binary')).toEqual(Buffer.from([0, 255]));
    expect(bodyOf('value text', 'text')).toBe('value text');
    expect(bodyOf({ a: 1 }, 'json')).toBe('{"a":1}');
    expect(bodyOf('a value string', 'json')).toBe('"a value string"');
    expect(bodyOf(null, 'json')).toBe('null');
    expect(bodyOf('abc', 'binary')).toEqual(Buffer.from('abc'));
    // The JavaScript SDK sends a string body as a JSON string literal; text sources unwrap it…
    expect(bodyOf(Buffer.from('"hello"'), 'text')).toBe('hello');
    // …unless a text content type says the quotes are the text.
    expect(bodyOf(Buffer.from('"hello"'), 'text', 'text/plain')).toBe('"hello"');
    expect(bodyOf(Buffer.from('"hello"'), 'json')).toBe('"hello"');
  });

  it("a received message's fields: 1-based delivery count, enqueued time, session, logical id", () => {
    const first = fromReceived(received({ sessionId: 'k', deliveryCount: 0 }), 'json');
    expect(first).toMatchObject({ id: 'm-1', orderingKey: 'k', deliveryCount: 1, body: '{}' });
    expect(first.publishTime).toEqual(new Date(1_700_000_000_000));
    const copy = fromReceived(
      received({
        messageId: 'copy-2',
        deliveryCount: 2,
        applicationProperties: { omnibus_meta: 'a=3;id=orig-1' },
      }),
      'json',
    );
    expect(copy.id).toBe('orig-1');
    expect(copy.deliveryCount).toBe(3);
  });

  it('a delayed-release copy carries the attempts so far and the original id', () => {
    const fields = fromReceived(
      received({ messageId: 'm-9', deliveryCount: 1, applicationProperties: { k: 'v' }, sessionId: 'key' }),
      'json',
    );
    const copy = copyFor(fields, 30);
    expect(copy.delaySeconds).toBe(30);
    expect(copy.orderingKey).toBe('key');
    expect(copy.id).not.toBe('m-9');
    expect(copy.attributes.k).toBe('v');
    expect(decodeMeta(copy.attributes.omnibus_meta)).toEqual({ attempts: 2, originalId: 'm-9' });
    // A copy of a copy adds its own deliveries to the carried attempts and keeps the first id and redrives.
    const again = fromReceived(
      received({
        messageId: copy.id ?? 'copy',
        deliveryCount: 0,
        applicationProperties: { ...copy.attributes } as Record<string, string>,
      }),
      'json',
    );
    const second = copyFor(
      { ...again, attributes: { ...again.attributes, omnibus_meta: 'a=2;id=m-9;r=1' } },
      5,
    );
    expect(decodeMeta(second.attributes.omnibus_meta)).toEqual({
      attempts: 3,
      originalId: 'm-9',
      redrives: 1,
    });
    // A dead letter keeps its envelope and gets no metadata.
    const dl = copyFor({ ...fields, attributes: { k: 'v', omnibus_dead_letter: '{"reason":"x"}' } }, 5);
    expect(dl.attributes).toEqual({ k: 'v', omnibus_dead_letter: '{"reason":"x"}' });
  });

  it('dead-lettering modifies only the properties that change (the envelope)', () => {
    expect(
      propertiesToModify(
        { k: 'v', n: 1 },
        { k: 'v', n: 1, b: Uint8Array.from([1]), omnibus_dead_letter: '{}' },
      ),
    ).toEqual({ omnibus_dead_letter: '{}' });
  });

  it('maps SDK errors to typed errors', () => {
    const err = (code: string) => Object.assign(new Error(`boom ${code}`), { code });
    expect(
      NotFoundError.isInstance(toOmnibusError(err('MessagingEntityNotFound'), 'send', 'queue "q"')),
    ).toBe(true);
    const lost = toOmnibusError(err('MessageLockLost'), 'complete', 'queue "q"');
    expect(lost.code).toBe('LEASE_LOST');
    expect(lost.retryable).toBe(false);
    expect(toOmnibusError(err('SessionLockLost'), 'complete', 'queue "q"').code).toBe('LEASE_LOST');
    for (const code of ['ServiceBusy', 'ServiceTimeout', 'GeneralError', 'ECONNRESET']) {
      const mapped = toOmnibusError(err(code), 'send', 'queue "q"');
      expect(TransportError.isInstance(mapped), code).toBe(true);
      expect(mapped.retryable).toBe(true);
    }
    expect(
      LimitError.isInstance(
        toOmnibusError(err('MessageSizeExceeded'), 'send', 'queue "q"', { size: { actual: 10, limit: 5 } }),
      ),
    ).toBe(true);
    const other = toOmnibusError(err('MessagingEntityDisabled'), 'send', 'queue "q"');
    expect(OmnibusError.isInstance(other) && !other.retryable).toBe(true);
  });
});

describe('azure servicebus: entities and limits', () => {
  it('plans queues, topics and subscriptions with the administration API settings', () => {
    const orders = defineQueue('orders', {
      ordering: true,
      deduplication: { windowSeconds: 120 },
      leaseSeconds: 2,
      maxAttempts: 4,
    });
    const noDlq = defineQueue('fire', { deadLetter: false, leaseSeconds: 90 });
    const shared = defineQueue('shared-dlq');
    const custom = defineQueue('custom', { deadLetter: shared });
    const topic = defineTopic('events', { deduplication: true });
    topic.subscription('eu', { filter: { region: 'eu' }, maxAttempts: 3 });
    const plan = planEntities(topologyOf([orders, noDlq, custom, topic], caps));
    const byName = new Map(plan.queues.map((q) => [q.name, q.options]));
    // Automatic dead-letter queues are the native sub-queues: nothing to create.
    expect([...byName.keys()].sort()).toEqual(['custom', 'fire', 'orders', 'shared-dlq']);
    expect(plan.queues[0]?.name).toBe('shared-dlq'); // a forwarding target comes first
    expect(byName.get('orders')).toEqual({
      lockDuration: 'PT5S',
      maxDeliveryCount: 4,
      requiresSession: true,
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindow: 'PT2M',
      defaultMessageTimeToLive: 'P4D',
      deadLetteringOnMessageExpiration: false,
    });
    expect(byName.get('fire')).toMatchObject({ lockDuration: 'PT1M30S', maxDeliveryCount: 2_000 });
    expect(byName.get('custom')?.forwardDeadLetteredMessagesTo).toBe('shared-dlq');
    expect(plan.topics).toEqual([
      {
        name: 'events',
        options: {
          requiresDuplicateDetection: true,
          duplicateDetectionHistoryTimeWindow: 'PT5M', // the core's default window
          supportOrdering: false,
        },
      },
    ]);
    expect(plan.subscriptions[0]).toMatchObject({
      topic: 'events',
      name: 'eu',
      options: { maxDeliveryCount: 3, requiresSession: false, lockDuration: 'PT30S' },
    });
    expect(plan.subscriptions[0]?.rules.map((r) => r.filter.sqlExpression)).toEqual([
      "(user.[region] = 'eu') AND NOT EXISTS(user.[omnibus_to])",
      "user.[omnibus_to] = 'eu'",
    ]);
  });

  it('durations and lock bounds', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(86_400 * 14)).toBe('P14D');
    expect(isoDuration(3_661)).toBe('PT1H1M1S');
    expect(lockSecondsOf(1, 'q')).toBe(5);
    expect(lockSecondsOf(300, 'q')).toBe(300);
    expect(() => lockSecondsOf(301, 'queue "q"')).toThrow(CapabilityError);
    // The bus clamps declared leases to the provider's bounds (it extends every third of the clamped lease).
    const slow = defineQueue('slow', { leaseSeconds: 600 });
    expect(planEntities(topologyOf([slow], caps)).queues[0]?.options.lockDuration).toBe('PT5M');
  });

  it('declares the tier limits with the reserve for what the bus does not count', () => {
    expect(caps.limits.maxMessageBytes).toBe(STANDARD_MAX_MESSAGE_BYTES - MESSAGE_SIZE_RESERVE_BYTES);
    expect(caps.limits.maxBatchBytes).toBe(STANDARD_MAX_MESSAGE_BYTES);
    expect(azureCapabilities('premium', 2_048).limits.maxBatchBytes).toBe(2_048 * 1_024);
    expect(caps.release.maxDelaySeconds).toBeGreaterThan(0);
    expect(caps.deadLetter).toEqual({ withReason: true, minDeliveries: 1, maxDeliveries: 2_000 });
    expect(caps.dedup).toEqual({ minWindowSeconds: 20, maxWindowSeconds: 604_800, requiresOrdering: false });
    // Service Bus's own dead-letter property names are reserved; an empty name is refused.
    expect(() => checkAttributes({ DeadLetterReason: 'x' }, caps, 'attributes')).toThrow(ValidationError);
    expect(() => checkAttributes({ '': 'x' }, caps, 'attributes')).toThrow(ValidationError);
    expect(() => checkAttributes({ 'any name / works': 'x' }, caps, 'attributes')).not.toThrow();
    // Every legal maxAttempts (up to 1,000) fits MaxDeliveryCount (up to 2,000).
    const most = defineQueue('q', { maxAttempts: 1_000 });
    expect(createBus({ adapter: fakeDriver(), declarations: [most] }).plan(most).maxDeliveries).toBe(1_000);
  });

  it('estimates the header conservatively (the 64 KB check)', () => {
    const small = toServiceBusMessage({ body: 'x', attributes: { k: 'v' }, id: 'm' }, 'text', 0);
    expect(headerBytes(small)).toBeLessThan(300);
    const big = toServiceBusMessage(
      {
        body: 'x',
        attributes: { a: 'v'.repeat(32_000), b: 'w'.repeat(32_000), c: 'z'.repeat(2_000) },
        id: 'm',
      },
      'text',
      0,
    );
    expect(headerBytes(big)).toBeGreaterThan(MAX_HEADER_BYTES);
  });
});

function fakeDriver() {
  return {
    specVersion: 1 as const,
    capabilities: caps,
    provision: async () => undefined,
    send: async () => [],
    openReceiver: () => ({ receive: async () => [], close: async () => undefined }),
    close: async () => undefined,
  };
}
