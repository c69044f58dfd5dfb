import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { LEASE_LOST } from '../../adapters/memory/store.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { LimitError, OmnibusError, ValidationError } from '../../core/errors.js';
import { bodies, msg, queueSpec } from './helpers.js';

async function setup(spec = queueSpec('q')) {
  const clock = new VirtualClock(0);
  const driver = memory({ clock });
  await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
  const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: spec.leaseSeconds });
  return { clock, driver, spec, receiver };
}

describe('memory twin: leases and redelivery', () => {
  it('redelivers when the lease expires, counting deliveries, and the stale handle loses its lease', async () => {
    const { clock, driver, spec, receiver } = await setup();
    const [sent] = await driver.send(spec, [msg('a')]);
    const [first] = await receiver.receive(10, { waitSeconds: 0 });
    expect(first?.id).toBe(sent?.ok ? sent.id : 'x');
    expect(first?.deliveryCount).toBe(1);
    expect(driver.inspect('q')).toEqual({ ready: 0, inFlight: 1, delayed: 0, total: 1 });

    await clock.advance(29_999);
    expect(await receiver.receive(10, { waitSeconds: 0 })).toEqual([]);
    await clock.advance(1);
    expect(driver.inspect('q')).toEqual({ ready: 1, inFlight: 0, delayed: 0, total: 1 });

    const [second] = await receiver.receive(10, { waitSeconds: 0 });
    expect(second?.id).toBe(first?.id);
    expect(second?.deliveryCount).toBe(2);
    const lost = await first?.ack().catch((e: unknown) => e);
    expect(OmnibusError.isInstance(lost)).toBe(true);
    expect((lost as OmnibusError).code).toBe(LEASE_LOST);
    expect((lost as OmnibusError).retryable).toBe(false);
    await second?.ack();
    expect(driver.inspect('q').total).toBe(0);
  });

  it('extend resets the lease to now + seconds', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await clock.advance(20_000);
    await d?.extend(30);
    await clock.advance(29_000); // t = 49 s: still leased (until 50 s)
    expect(driver.inspect('q').inFlight).toBe(1);
    await clock.advance(1_000);
    expect(driver.inspect('q')).toMatchObject({ ready: 1, inFlight: 0 });
    await expect(d?.extend(30)).rejects.toMatchObject({ code: LEASE_LOST });
  });

  it('release makes the message available after the delay, with the delivery counted', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await d?.release(5);
    expect(driver.inspect('q')).toEqual({ ready: 0, inFlight: 0, delayed: 1, total: 1 });
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    await clock.advance(5_000);
    expect(driver.inspect('q')).toEqual({ ready: 1, inFlight: 0, delayed: 0, total: 1 });
    const [again] = await receiver.receive(1, { waitSeconds: 0 });
    expect(again?.deliveryCount).toBe(2);
  });

  it('release(0) makes it available at once, behind messages that were available earlier', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    await clock.advance(1_000);
    await driver.send(spec, [msg('b')]);
    await clock.advance(1_000);
    const [a] = await receiver.receive(1, { waitSeconds: 0 });
    expect(bodies([a!])).toEqual(['a']);
    await a?.release(0);
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['b', 'a']);
  });

  it('orders ready messages by availability time, then sequence', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [
      msg('late', { delaySeconds: 3 }),
      msg('b'),
      msg('mid', { delaySeconds: 1 }),
      msg('c'),
    ]);
    await clock.advance(5_000);
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['b', 'c', 'mid', 'late']);
  });

  it('a waiting receive returns as soon as a message is sent', async () => {
    const { driver, spec, receiver } = await setup();
    const pending = receiver.receive(5, { waitSeconds: 20 });
    await driver.send(spec, [msg('a'), msg('b')]);
    expect(bodies(await pending)).toEqual(['a', 'b']);
  });

  it('a waiting receive wakes when a delayed message falls due, on the virtual clock', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a', { delaySeconds: 5 })]);
    let result: string[] | undefined;
    void receiver.receive(1, { waitSeconds: 20 }).then((d) => {
      result = bodies(d);
    });
    await clock.advance(4_999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(result).toEqual(['a']);
  });

  it('a waiting receive wakes on a lease expiry redelivery', async () => {
    const { clock, driver, spec, receiver } = await setup(queueSpec('q', { leaseSeconds: 10 }));
    await driver.send(spec, [msg('a')]);
    await receiver.receive(1, { waitSeconds: 0 });
    let result: number | undefined;
    void receiver.receive(1, { waitSeconds: 20 }).then((d) => {
      result = d[0]?.deliveryCount;
    });
    await clock.advance(10_000);
    expect(result).toBe(2);
  });

  it('a waiting receive ends empty after waitSeconds or on abort', async () => {
    const { clock, receiver } = await setup();
    let timedOut: unknown[] | undefined;
    void receiver.receive(1, { waitSeconds: 3 }).then((d) => {
      timedOut = d;
    });
    await clock.advance(2_999);
    expect(timedOut).toBeUndefined();
    await clock.advance(1);
    expect(timedOut).toEqual([]);

    const controller = new AbortController();
    const aborted = receiver.receive(1, { waitSeconds: 60, signal: controller.signal });
    controller.abort();
    expect(await aborted).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    expect(await receiver.receive(1, { waitSeconds: 60, signal: controller.signal })).toEqual([]);
  });

  it('returns at most the receive limit (10) per call', async () => {
    const { driver, spec, receiver } = await setup();
    for (let i = 0; i < 3; i++)
      await driver.send(
        spec,
        Array.from({ length: 10 }, (_, j) => msg(`${i}-${j}`)),
      );
    expect(await receiver.receive(25, { waitSeconds: 0 })).toHaveLength(10);
    expect(await receiver.receive(3, { waitSeconds: 0 })).toHaveLength(3);
  });

  it('ack after the lease expired but before redelivery still removes the message (like SQS)', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await clock.advance(31_000);
    expect(driver.inspect('q').ready).toBe(1);
    await d?.ack();
    expect(driver.inspect('q').total).toBe(0);
    await d?.ack(); // a second ack of the same delivery is a no-op
  });

  it('settling after the message was acked by a later delivery throws LEASE_LOST', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    const [first] = await receiver.receive(1, { waitSeconds: 0 });
    await clock.advance(30_000);
    const [second] = await receiver.receive(1, { waitSeconds: 0 });
    await second?.ack();
    await expect(first?.release(0)).rejects.toMatchObject({ code: LEASE_LOST });
    await expect(first?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
  });

  it('refuses release and extend outside the provider bounds', async () => {
    const { driver, spec, receiver } = await setup();
    await driver.send(spec, [msg('a')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await expect(d?.release(43_201)).rejects.toSatisfy(LimitError.isInstance);
    await expect(d?.release(-1)).rejects.toSatisfy(ValidationError.isInstance);
    await expect(d?.extend(0)).rejects.toSatisfy(ValidationError.isInstance);
    await expect(d?.extend(43_201)).rejects.toSatisfy(LimitError.isInstance);
    expect(() => driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 0 })).toThrow(ValidationError);
    expect(driver.inspect('q').inFlight).toBe(1);
  });

  it('exposes raw stored fields and the enqueue time as publishTime', async () => {
    const { clock, driver, spec, receiver } = await setup();
    await clock.advance(1_234);
    await driver.send(spec, [msg('a', { id: 'my-id', attributes: { k: 'v' } })]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    expect(d?.id).toBe('my-id');
    expect(d?.attributes).toEqual({ k: 'v' });
    expect(d?.publishTime.getTime()).toBe(1_234);
    expect(d?.raw).toMatchObject({
      id: 'my-id',
      sequence: 1,
      enqueuedAt: 1_234,
      deliveryCount: 1,
      path: 'q',
    });
  });

  it('keeps one clock timer per entity however many messages are in flight', async () => {
    const { clock, driver, spec, receiver } = await setup();
    for (let i = 0; i < 500; i++)
      await driver.send(
        spec,
        Array.from({ length: 10 }, (_, j) => msg(`${i}-${j}`)),
      );
    let leased = 0;
    for (;;) {
      const got = await receiver.receive(10, { waitSeconds: 0 });
      if (got.length === 0) break;
      leased += got.length;
      await clock.advance(1);
    }
    expect(leased).toBe(5_000);
    expect(driver.inspect('q').inFlight).toBe(5_000);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(30_000);
    expect(driver.inspect('q')).toEqual({ ready: 5_000, inFlight: 0, delayed: 0, total: 5_000 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('copies binary bodies and attribute bytes so consumers cannot alter the stored message', async () => {
    const { driver, spec, receiver } = await setup();
    const body = new Uint8Array([1, 2, 3]);
    const sig = new Uint8Array([9]);
    await driver.send(spec, [{ body, attributes: { sig } }]);
    body[0] = 99;
    sig[0] = 99;
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    expect([...(d!.body as Uint8Array)]).toEqual([1, 2, 3]);
    expect([...(d!.attributes.sig as Uint8Array)]).toEqual([9]);
    (d!.body as Uint8Array)[1] = 77;
    await d?.release(0);
    const [again] = await receiver.receive(1, { waitSeconds: 0 });
    expect([...(again!.body as Uint8Array)]).toEqual([1, 2, 3]);
  });
});
