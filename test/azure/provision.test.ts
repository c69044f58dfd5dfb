/**
 * Provisioning on the Service Bus twin: entities with their settings, subscription rules replacing `$Default`,
 * native dead-letter sub-queues (nothing created) and forwarding to a declared dead-letter queue, idempotence, rule
 * sync, the `verify` provisioner, and counts for `depth`.
 */
import { describe, expect, it } from 'vitest';
import { azure } from '../../adapters/azure/index.js';
import {
  defineQueue,
  defineTopic,
  NonRetryableError,
  NotFoundError,
  specOf,
  topologyOf,
} from '../../core/index.js';
import { receiveN, receivePlain, until, useTwin } from './support.js';

const env = useTwin();

describe('azure servicebus: provisioning', () => {
  it('creates queues, topics and subscriptions; the automatic dead-letter queue is the native sub-queue', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('pq'), { ordering: true, deduplication: { windowSeconds: 60 } });
    const t = defineTopic(env.name('pt'));
    t.subscription('eu', { filter: { region: 'eu' } });
    t.subscription('all');
    await driver.provision(topologyOf([q, t], driver.capabilities));
    const twin = env.twin;
    expect(twin.queueExists(q.name)).toBe(true);
    expect(twin.queueExists(`${q.name}-dlq`)).toBe(false); // read from `${q.name}/$DeadLetterQueue` instead
    expect(twin.topicExists(t.name)).toBe(true);
    expect(twin.subscriptionExists(t.name, 'eu')).toBe(true);
    const rules = twin
      .listRules(t.name, 'eu')
      .map((r) => [r.name, (r.filter as { sqlExpression?: string }).sqlExpression]);
    expect(rules).toEqual([
      ['omnibus', "(user.[region] = 'eu') AND NOT EXISTS(user.[omnibus_to])"],
      ['omnibus-redeliver', "user.[omnibus_to] = 'eu'"],
    ]);
    expect(twin.listRules(t.name, 'all').map((r) => r.name)).toEqual(['omnibus', 'omnibus-redeliver']);
    // The ordered queue requires sessions: a message without a session id is refused by the broker.
    const sender = env.plain().createSender(q.name);
    await expect(sender.sendMessages({ body: 'no session' })).rejects.toThrow(/SessionId/);
    await sender.close();
  });

  it('provisioning again changes nothing and keeps messages; a changed filter replaces the rule', async () => {
    const name = env.name('again');
    const first = defineTopic(name);
    first.subscription('s', { filter: { kind: 'a' } });
    const { bus, driver } = env.bus([first]);
    await bus.provision();
    await bus.publish(first, { n: 1 }, { attributes: { kind: 'a' } });
    await bus.provision();
    const changed = defineTopic(name);
    changed.subscription('s', { filter: { kind: 'b' } });
    await driver.provision(topologyOf([changed], driver.capabilities));
    const rules = env.twin.listRules(name, 's');
    expect(rules.map((r) => (r.filter as { sqlExpression: string }).sqlExpression)).toEqual([
      "user.[omnibus_to] = 's'",
      "(user.[kind] = 'b') AND NOT EXISTS(user.[omnibus_to])",
    ]);
    expect(env.twin.getRuntimeProperties(`${name}/Subscriptions/s`).activeMessageCount).toBe(1);
  });

  it('replaces `$Default` on a subscription created elsewhere', async () => {
    const driver = env.driver();
    const t = defineTopic(env.name('ext'));
    env.twin.createTopic(t.name);
    env.twin.createSubscription(t.name, 'legacy');
    expect(env.twin.listRules(t.name, 'legacy').map((r) => r.name)).toEqual(['$Default']);
    t.subscription('legacy');
    await driver.provision(topologyOf([t], driver.capabilities));
    expect(env.twin.listRules(t.name, 'legacy').map((r) => r.name)).toEqual(['omnibus', 'omnibus-redeliver']);
  });

  it('a declared dead-letter queue is a queue of its own: the source forwards its dead letters there', async () => {
    const t = defineTopic(env.name('fwd'));
    const shared = defineQueue(env.name('shared'));
    const sub = t.subscription('s', { deadLetter: shared, maxAttempts: 1 });
    const { bus } = env.bus([t]);
    await bus.provision();
    expect(env.twin.queueExists(shared.name)).toBe(true);
    await bus.publish(t, { poison: true }, { attributes: { tenant: 'acme' } });
    const consumer = bus.consume(sub, () => {
      throw new NonRetryableError('no');
    });
    const [dead] = await receivePlain(env.plain().createReceiver(shared.name), 1);
    expect(dead?.body).toEqual({ poison: true });
    expect(dead?.deadLetterReason).toBe('non-retryable');
    expect(dead?.applicationProperties).toMatchObject({ tenant: 'acme' });
    await consumer.close();
  });

  it('depth counts active messages and dead letters', async () => {
    const q = defineQueue(env.name('depth'), { maxAttempts: 1 });
    const { bus, driver } = env.bus([q]);
    await bus.provision();
    await bus.sendBatch(q, [{ body: { n: 1 } }, { body: { n: 2 } }, { body: { n: 3 } }]);
    expect(await driver.depth!(specOf(q, driver.capabilities))).toBe(3);
    const receiver = driver.openReceiver(specOf(q, driver.capabilities), {
      maxInFlight: 1,
      leaseSeconds: 30,
    });
    const [d] = await receiveN(receiver, 1);
    await d!.deadLetter!({ reason: 'test', description: 'by hand', attributes: {} });
    await until(async () => expect(await driver.depth!(specOf(q.deadLetter!, driver.capabilities))).toBe(1));
    expect(await driver.depth!(specOf(q, driver.capabilities))).toBe(2);
    await receiver.close();
  });

  it("the 'verify' provisioner creates nothing: it finds existing entities, syncs rules, names what is missing", async () => {
    const t = defineTopic(env.name('ver'));
    t.subscription('s', { filter: { region: 'eu' } });
    const q = defineQueue(env.name('verq'));
    const verify = azure({ connectionString: env.twin.connectionString, provisioner: 'verify' });
    try {
      const missing = await verify
        .provision(topologyOf([q, t], verify.capabilities))
        .catch((e: unknown) => e);
      expect(NotFoundError.isInstance(missing)).toBe(true);
      expect((missing as NotFoundError).entity).toContain(q.name);
      env.twin.createQueue(q.name);
      env.twin.createTopic(t.name);
      env.twin.createSubscription(t.name, 's');
      await verify.provision(topologyOf([q, t], verify.capabilities));
      expect(
        env.twin
          .listRules(t.name, 's')
          .map((r) => r.name)
          .sort(),
      ).toEqual(['omnibus', 'omnibus-redeliver']);
      expect(verify.depth).toBeUndefined(); // no counts without a management endpoint
    } finally {
      await verify.close();
    }
  });
});
