import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { bodies, msg, subscriptionSpec, topicSpec } from './helpers.js';

async function setup() {
  const clock = new VirtualClock(0);
  const driver = memory({ clock });
  const topic = topicSpec('orders');
  const all = subscriptionSpec('orders', 'all');
  const eu = subscriptionSpec('orders', 'eu', { filter: { region: 'eu' } });
  const big = subscriptionSpec('orders', 'big', {
    filter: { total: { range: { gte: 100 } }, coupon: { exists: false } },
  });
  await driver.provision({ queues: [], topics: [topic], subscriptions: [all, eu, big] });
  const drain = async (spec: typeof all) => {
    const r = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 });
    return r.receive(10, { waitSeconds: 0 });
  };
  return { clock, driver, topic, all, eu, big, drain };
}

describe('memory twin: topics, fan-out and filters', () => {
  it('fans a copy out to every subscription whose filter matches, with the same id', async () => {
    const { driver, topic, all, eu, big, drain } = await setup();
    const outcomes = await driver.send(topic, [
      msg('eu-small', { attributes: { region: 'eu', total: 5 } }),
      msg('us-big', { attributes: { region: 'us', total: 500 } }),
      msg('eu-big-coupon', { attributes: { region: 'eu', total: 900, coupon: 'X' } }),
      msg('eu-big-text', { attributes: { region: 'eu', total: '150' } }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const allGot = await drain(all);
    expect(bodies(allGot)).toEqual(['eu-small', 'us-big', 'eu-big-coupon', 'eu-big-text']);
    expect(bodies(await drain(eu))).toEqual(['eu-small', 'eu-big-coupon', 'eu-big-text']);
    const bigGot = await drain(big);
    expect(bodies(bigGot)).toEqual(['us-big', 'eu-big-text']);
    expect(bigGot[0]?.id).toBe(allGot[1]?.id);
    expect(driver.inspect('orders/all').inFlight).toBe(4);
  });

  it('drops a publish to a topic without subscriptions (like SNS and Pub/Sub) but reports it sent', async () => {
    const driver = memory({ clock: new VirtualClock(0) });
    await driver.provision({ queues: [], topics: [topicSpec('lonely')], subscriptions: [] });
    const [o] = await driver.send(topicSpec('lonely'), [msg('x')]);
    expect(o?.ok).toBe(true);
    expect(driver.entities()).toEqual({ queues: [], topics: ['lonely'], subscriptions: [] });
  });

  it('dedups on the topic before fan-out', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const topic = topicSpec('t', { dedupWindowSeconds: 10 });
    await driver.provision({ queues: [], topics: [topic], subscriptions: [subscriptionSpec('t', 's')] });
    const [a] = await driver.send(topic, [msg('1', { dedupId: 'k' })]);
    const [b] = await driver.send(topic, [msg('1', { dedupId: 'k' })]);
    expect(a?.ok && b?.ok && a.id === b.id).toBe(true);
    expect(driver.inspect('t/s').total).toBe(1);
  });

  it('redeliver puts messages on one subscription only, bypassing its filter', async () => {
    const { driver, eu } = await setup();
    const [o] =
      (await driver.redeliver?.(eu, [msg('back', { attributes: { region: 'us' }, id: 'orig-1' })])) ?? [];
    expect(o).toEqual({ ok: true, id: 'orig-1' });
    expect(driver.inspect('orders/eu').total).toBe(1);
    expect(driver.inspect('orders/all').total).toBe(0);
  });

  it('a re-provisioned filter applies to later messages', async () => {
    const { driver, topic, eu, drain } = await setup();
    await driver.provision({
      queues: [],
      topics: [topic],
      subscriptions: [{ ...eu, filter: { region: 'us' } }],
    });
    await driver.send(topic, [
      msg('eu', { attributes: { region: 'eu' } }),
      msg('us', { attributes: { region: 'us' } }),
    ]);
    expect(bodies(await drain(eu))).toEqual(['us']);
  });
});
