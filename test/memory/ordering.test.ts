import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { ValidationError } from '../../core/errors.js';
import { bodies, msg, queueSpec } from './helpers.js';

async function setup() {
  const clock = new VirtualClock(0);
  const driver = memory({ clock });
  const spec = queueSpec('fifo', { ordered: true, leaseSeconds: 10 });
  await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
  const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 10 });
  const send = (key: string, body: string) => driver.send(spec, [msg(body, { orderingKey: key })]);
  return { clock, driver, spec, receiver, send };
}

describe('memory twin: ordered (FIFO) groups', () => {
  it('a group blocks while one of its messages is in flight; other groups flow', async () => {
    const { driver, receiver, send } = await setup();
    await send('g1', 'g1-1');
    await send('g1', 'g1-2');
    await send('g2', 'g2-1');
    await send('g1', 'g1-3');
    const first = await receiver.receive(10, { waitSeconds: 0 });
    expect(bodies(first)).toEqual(['g1-1', 'g2-1']);
    expect(await receiver.receive(10, { waitSeconds: 0 })).toEqual([]);
    expect(driver.inspect('fifo')).toEqual({ ready: 2, inFlight: 2, delayed: 0, total: 4 });

    await first[0]?.ack();
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['g1-2']);
  });

  it('a released message of the group comes back before the later ones', async () => {
    const { receiver, send } = await setup();
    await send('g', '1');
    await send('g', '2');
    const firstBatch = await receiver.receive(10, { waitSeconds: 0 });
    expect(bodies(firstBatch)).toEqual(['1']);
    const [one] = firstBatch;
    await one?.release(0);
    const again = await receiver.receive(10, { waitSeconds: 0 });
    expect(bodies(again)).toEqual(['1']);
    expect(again[0]?.deliveryCount).toBe(2);
  });

  it('a delayed release keeps the group blocked until the head is due', async () => {
    const { clock, receiver, send } = await setup();
    await send('g', '1');
    await send('g', '2');
    const firstBatch = await receiver.receive(10, { waitSeconds: 0 });
    expect(bodies(firstBatch)).toEqual(['1']);
    const [one] = firstBatch;
    await one?.release(5);
    await clock.advance(4_000);
    expect(await receiver.receive(10, { waitSeconds: 0 })).toEqual([]);
    await clock.advance(1_000);
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['1']);
  });

  it('a lease expiry redelivers the head first, and a waiting receive gets the next one after the ack', async () => {
    const { clock, receiver, send } = await setup();
    await send('g', '1');
    await send('g', '2');
    await receiver.receive(10, { waitSeconds: 0 });
    await clock.advance(10_000);
    const [again] = await receiver.receive(10, { waitSeconds: 0 });
    expect(bodies([again!])).toEqual(['1']);
    const next = receiver.receive(10, { waitSeconds: 30 });
    await again?.ack();
    expect(bodies(await next)).toEqual(['2']);
  });

  it('keeps per-group order over many interleaved groups', async () => {
    const { receiver, send } = await setup();
    for (let i = 0; i < 20; i++) for (const g of ['a', 'b', 'c']) await send(g, `${g}${i}`);
    const seen: Record<string, string[]> = { a: [], b: [], c: [] };
    for (;;) {
      const got = await receiver.receive(10, { waitSeconds: 0 });
      if (got.length === 0) break;
      for (const d of got) {
        seen[d.orderingKey as string]?.push(d.body as string);
        await d.ack();
      }
    }
    for (const g of ['a', 'b', 'c'])
      expect(seen[g]).toEqual(Array.from({ length: 20 }, (_, i) => `${g}${i}`));
  });

  it('requires an ordering key and refuses per-message delays on ordered queues (like SQS FIFO)', async () => {
    const { driver, spec } = await setup();
    const [noKey, delayed] = await driver.send(spec, [
      msg('x'),
      msg('y', { orderingKey: 'g', delaySeconds: 5 }),
    ]);
    expect(noKey?.ok === false && ValidationError.isInstance(noKey.error) && noKey.error.field).toBe(
      'orderingKey',
    );
    expect(delayed?.ok === false && ValidationError.isInstance(delayed.error) && delayed.error.field).toBe(
      'delaySeconds',
    );
    expect(driver.inspect('fifo').total).toBe(0);
  });
});

describe('memory twin: dedup window and delays', () => {
  it('accepts a duplicate within the window with the first id, without enqueuing it', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('dd', { dedupWindowSeconds: 60 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    const [a] = await driver.send(spec, [msg('1', { dedupId: 'x' })]);
    await clock.advance(59_999);
    const [b, c] = await driver.send(spec, [msg('1', { dedupId: 'x' }), msg('2', { dedupId: 'y' })]);
    expect(a?.ok && b?.ok && b.id === a.id).toBe(true);
    expect(c?.ok && a?.ok && c.id !== a.id).toBe(true);
    expect(driver.inspect('dd').total).toBe(2);
    await clock.advance(1);
    const [d] = await driver.send(spec, [msg('1', { dedupId: 'x' })]);
    expect(d?.ok && a?.ok && d.id !== a.id).toBe(true);
    expect(driver.inspect('dd').total).toBe(3);
  });

  it('does not dedup without a window', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    const spec = queueSpec('nodd');
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    await driver.send(spec, [msg('1', { dedupId: 'x' }), msg('1', { dedupId: 'x' })]);
    expect(driver.inspect('nodd').total).toBe(2);
  });

  it('holds a delayed message until it is due (per message and queue default)', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('later', { delaySeconds: 10 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 });
    await driver.send(spec, [
      msg('default'),
      msg('five', { delaySeconds: 5 }),
      msg('now', { delaySeconds: 0 }),
    ]);
    expect(driver.inspect('later')).toEqual({ ready: 1, inFlight: 0, delayed: 2, total: 3 });
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['now']);
    await clock.advance(5_000);
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['five']);
    await clock.advance(5_000);
    expect(driver.inspect('later')).toMatchObject({ ready: 1, delayed: 0 });
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['default']);
    expect(await driver.depth?.(spec)).toBe(0);
  });
});
