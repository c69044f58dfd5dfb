import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { DEFAULT_MEMORY_LIMITS } from '../../adapters/memory/limits.js';
import { LEASE_LOST } from '../../adapters/memory/store.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { ConfigurationError, LimitError, NotFoundError, ValidationError } from '../../core/errors.js';
import { msg, queueSpec, subscriptionSpec, topicSpec } from './helpers.js';

describe('memory twin: not found and provisioning', () => {
  it('reports NotFoundError for unprovisioned entities', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    const outcomes = await driver.send(queueSpec('nope'), [msg('a'), msg('b')]);
    expect(outcomes).toHaveLength(2);
    for (const o of outcomes) expect(o.ok === false && NotFoundError.isInstance(o.error)).toBe(true);
    const [t] = await driver.send(topicSpec('nope'), [msg('a')]);
    expect(t?.ok === false && NotFoundError.isInstance(t.error)).toBe(true);
    const receiver = driver.openReceiver(subscriptionSpec('nope', 's'), { maxInFlight: 1, leaseSeconds: 30 });
    await expect(receiver.receive(1, { waitSeconds: 0 })).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(driver.depth?.(queueSpec('nope'))).rejects.toSatisfy(NotFoundError.isInstance);
    expect(() => driver.inspect('nope')).toThrow(NotFoundError);
    await expect(
      driver.provision({ queues: [], topics: [], subscriptions: [subscriptionSpec('nope', 's')] }),
    ).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('a receiver opened before provisioning works once the entity exists', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    const receiver = driver.openReceiver(queueSpec('late'), { maxInFlight: 1, leaseSeconds: 30 });
    await expect(receiver.receive(1, { waitSeconds: 0 })).rejects.toSatisfy(NotFoundError.isInstance);
    await driver.provision({ queues: [queueSpec('late')], topics: [], subscriptions: [] });
    await driver.send(queueSpec('late'), [msg('a')]);
    expect(await receiver.receive(1, { waitSeconds: 0 })).toHaveLength(1);
  });

  it('autoProvision creates entities on first use', async () => {
    const driver = memory({ clock: new VirtualClock(0), autoProvision: true });
    expect((await driver.send(queueSpec('auto'), [msg('a')]))[0]?.ok).toBe(true);
    const sub = subscriptionSpec('auto-topic', 's');
    expect(
      await driver.openReceiver(sub, { maxInFlight: 1, leaseSeconds: 30 }).receive(1, { waitSeconds: 0 }),
    ).toEqual([]);
    await driver.send(topicSpec('auto-topic'), [msg('b')]);
    expect(driver.inspect('auto-topic/s').ready).toBe(1);
    expect(driver.inspect('auto').ready).toBe(1);
  });

  it('provisioning twice is harmless and a changed spec updates settings', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('q', { retentionSeconds: 3_600 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    await driver.send(spec, [msg('a')]);
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    expect(driver.inspect('q').total).toBe(1);
    await driver.provision({ queues: [{ ...spec, retentionSeconds: 60 }], topics: [], subscriptions: [] });
    await clock.advance(60_000);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    await expect(
      driver.provision({ queues: [{ ...spec, ordered: true }], topics: [], subscriptions: [] }),
    ).rejects.toSatisfy(ConfigurationError.isInstance);
    await expect(
      driver.provision({ queues: [{ ...spec, leaseSeconds: 0 }], topics: [], subscriptions: [] }),
    ).rejects.toSatisfy(ValidationError.isInstance);
  });

  it('purge drops the messages (stale deliveries lose their lease); reset forgets everything', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    const spec = queueSpec('q');
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    await driver.send(spec, [msg('a'), msg('b')]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    expect(driver.purge('q')).toBe(2);
    expect(driver.inspect('q').total).toBe(0);
    await expect(d?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
    await driver.send(spec, [msg('c')]);
    expect(await receiver.receive(1, { waitSeconds: 0 })).toHaveLength(1);
    driver.reset();
    expect(driver.entities()).toEqual({ queues: [], topics: [], subscriptions: [] });
  });

  it('close ends pending receives and timers; the messages survive for a new receiver', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('q', { leaseSeconds: 10 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    await driver.send(spec, [msg('a')]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
    await receiver.receive(1, { waitSeconds: 0 });
    const pending = receiver.receive(1, { waitSeconds: 60 });
    await driver.close();
    expect(await pending).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    await clock.advance(10_000);
    const restarted = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
    const [again] = await restarted.receive(1, { waitSeconds: 0 });
    expect(again?.deliveryCount).toBe(2);
  });
});

describe('memory twin: strict limits', () => {
  it('declares the strictest limits and capabilities by default', () => {
    const caps = memory().capabilities;
    expect(caps.provider).toBe('memory');
    expect(caps.limits).toMatchObject({
      maxMessageBytes: 262_144,
      attributesCountInSize: true,
      maxBatchCount: 10,
      maxBatchBytes: 262_144,
      maxReceiveCount: 10,
      maxAttributes: 10,
      maxAttributeNameBytes: 256,
      maxAttributeValueBytes: 1024,
      maxOrderingKeyLength: 128,
      maxDedupIdLength: 128,
    });
    expect(caps.limits.reservedAttributePrefixes).toEqual(['AWS.', 'Amazon.', 'goog']);
    expect(caps.delay).toEqual({ maxSeconds: 900, onOrdered: false });
    expect(caps.dedup).toEqual({ minWindowSeconds: 1, maxWindowSeconds: 604_800, requiresOrdering: false });
    expect(caps.deadLetter).toEqual({ withReason: true, minDeliveries: 1, maxDeliveries: 1000 });
    expect(caps.release).toEqual({ maxDelaySeconds: 43_200 });
    expect(caps.lease).toEqual({ minSeconds: 1, maxSeconds: 43_200 });
    expect(caps.serverFilters).toBe(true);
    expect(caps.ordering).toBe(true);
  });

  it('follows the SQS attribute name rule', () => {
    const p = DEFAULT_MEMORY_LIMITS.attributeNamePattern;
    for (const ok of ['a', 'a.b', 'A_b-9', 'omnibus_meta']) expect(p.test(ok)).toBe(true);
    for (const bad of ['.a', 'a.', 'a..b', 'a b', 'é', '']) expect(p.test(bad)).toBe(false);
  });

  it('refuses oversize batches as a whole and bad messages one by one', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    const spec = queueSpec('q');
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    await expect(
      driver.send(
        spec,
        Array.from({ length: 11 }, () => msg('x')),
      ),
    ).rejects.toSatisfy(LimitError.isInstance);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v']));
    const half = 'x'.repeat(140_000);
    await expect(driver.send(spec, [msg(half), msg(half)])).rejects.toSatisfy(LimitError.isInstance);
    expect(driver.inspect('q').total).toBe(0);
    const each = await Promise.all(
      [
        msg('x'.repeat(262_145 - 10)),
        msg('x'.repeat(262_145)),
        msg('x', { attributes: eleven }),
        msg('x', { attributes: { 'a..b': '1' } }),
        msg('x', { attributes: { 'AWS.trace': '1' } }),
        msg('x', { attributes: { big: 'v'.repeat(1025) } }),
        msg('x', { attributes: { n: Number.NaN } }),
        msg('x', { orderingKey: 'k'.repeat(129) }),
        msg('x', { delaySeconds: 901 }),
      ].map(async (m) =>
        (await driver.send(spec, [m, msg('ok')])).map((o) => (o.ok ? 'ok' : o.error.constructor.name)),
      ),
    );
    expect(each).toEqual([
      ['ok', 'ok'], // 262,135 + 2 bytes: within the 256 KiB message and batch limits
      ['LimitError', 'ok'], // over the message limit: its own outcome, the rest of the batch goes
      ['LimitError', 'ok'],
      ['ValidationError', 'ok'],
      ['ValidationError', 'ok'],
      ['LimitError', 'ok'],
      ['ValidationError', 'ok'],
      ['LimitError', 'ok'],
      ['LimitError', 'ok'],
    ]);
  });

  it('counts attributes in the message size and takes relaxed limits', async () => {
    const strict = memory({ clock: new VirtualClock(0) });
    const spec = queueSpec('q');
    await strict.provision({ queues: [spec], topics: [], subscriptions: [] });
    const [o] = await strict.send(spec, [msg('x'.repeat(262_140), { attributes: { abc: 'def' } })]);
    expect(o?.ok === false && LimitError.isInstance(o.error) && o.error.limit).toBe(262_144);

    const relaxed = memory({
      clock: new VirtualClock(0),
      limits: { maxMessageBytes: 1_048_576, maxBatchBytes: 1_048_576 },
    });
    await relaxed.provision({ queues: [spec], topics: [], subscriptions: [] });
    expect((await relaxed.send(spec, [msg('x'.repeat(500_000))]))[0]?.ok).toBe(true);
    expect(() => memory({ limits: { maxBatchCount: 0 } })).toThrow(ConfigurationError);
  });
});
