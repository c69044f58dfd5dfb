import type { ServiceBusMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleFilterDefinition } from '../../../twin/servicebus/index.js';
import {
  expectServiceBusError,
  receiveCount,
  startTwinWithClient,
  type TwinContext,
  unique,
} from './helpers.js';

describe('twin servicebus: topics, subscriptions and rules', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  /** Creates a topic with one subscription per filter, sends `messages`, returns the message ids each subscription got. */
  async function route(
    filters: Record<string, RuleFilterDefinition>,
    messages: ServiceBusMessage[],
  ): Promise<Record<string, string[]>> {
    const topic = unique('route');
    ctx.twin.createTopic(topic);
    for (const [sub, filter] of Object.entries(filters)) {
      ctx.twin.createSubscription(topic, sub, { rules: [{ name: 'only', filter }] });
    }
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages(messages);
    await sender.close();
    const out: Record<string, string[]> = {};
    for (const sub of Object.keys(filters)) {
      const expected = ctx.twin.getRuntimeProperties(`${topic}/Subscriptions/${sub}`).activeMessageCount;
      const receiver = ctx.client.createReceiver(topic, sub, { receiveMode: 'receiveAndDelete' });
      const got = expected === 0 ? [] : await receiveCount(receiver, expected, 3000);
      out[sub] = got.map((m) => String(m.messageId)).sort();
      await receiver.close();
    }
    return out;
  }

  it('a topic fans out every message to every subscription with the default rule', async () => {
    const topic = unique('fanout');
    ctx.twin.createTopic(topic);
    for (const sub of ['s1', 's2', 's3']) ctx.twin.createSubscription(topic, sub);
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages([
      { body: 'e1', messageId: 'e1' },
      { body: 'e2', messageId: 'e2' },
    ]);
    for (const sub of ['s1', 's2', 's3']) {
      const receiver = ctx.client.createReceiver(topic, sub);
      const got = await receiveCount(receiver, 2);
      expect(got.map((m) => m.body)).toEqual(['e1', 'e2']);
      for (const m of got) await receiver.completeMessage(m);
      await receiver.close();
    }
    expect(ctx.twin.getRuntimeProperties(topic).activeMessageCount).toBe(0);
    await sender.close();
  });

  it('SQL filters: comparisons, arithmetic, AND / OR / NOT on user properties', async () => {
    const msgs: ServiceBusMessage[] = [
      { body: 1, messageId: 'm1', applicationProperties: { amount: 50, region: 'eu', vip: true } },
      { body: 2, messageId: 'm2', applicationProperties: { amount: 150, region: 'us', vip: false } },
      { body: 3, messageId: 'm3', applicationProperties: { amount: 250.5, region: 'eu' } },
      { body: 4, messageId: 'm4', applicationProperties: { region: 'apac' } },
    ];
    const got = await route(
      {
        big: { sqlExpression: 'amount > 100' },
        small: { sqlExpression: 'user.amount <= 100' },
        euBig: { sqlExpression: "region = 'eu' AND amount >= 100" },
        notEu: { sqlExpression: "NOT (region = 'eu')" },
        either: { sqlExpression: "region <> 'eu' OR vip = TRUE" },
        arith: { sqlExpression: 'amount * 2 + 1 = 101' },
        neq: { sqlExpression: "region != 'us' AND amount < 300" },
      },
      msgs,
    );
    expect(got).toEqual({
      big: ['m2', 'm3'],
      small: ['m1'],
      euBig: ['m3'],
      notEu: ['m2', 'm4'],
      either: ['m1', 'm2', 'm4'],
      arith: ['m1'],
      neq: ['m1', 'm3'],
    });
  });

  it('SQL filters: IN, LIKE with % _ and ESCAPE, EXISTS and IS [NOT] NULL', async () => {
    const msgs: ServiceBusMessage[] = [
      { body: 1, messageId: 'm1', applicationProperties: { color: 'red', code: 'AB-1', tag: 'x' } },
      { body: 2, messageId: 'm2', applicationProperties: { color: 'blue', code: 'AB%2' } },
      { body: 3, messageId: 'm3', applicationProperties: { color: 'green', code: 'XAB-3', tag: null } },
      { body: 4, messageId: 'm4', applicationProperties: {} },
    ];
    const got = await route(
      {
        inList: { sqlExpression: "color IN ('red', 'blue')" },
        notIn: { sqlExpression: "color NOT IN ('red', 'blue')" },
        prefix: { sqlExpression: "code LIKE 'AB%'" },
        single: { sqlExpression: "code LIKE 'AB_1'" },
        escaped: { sqlExpression: "code LIKE 'AB!%%' ESCAPE '!'" },
        notLike: { sqlExpression: "code NOT LIKE '%AB%'" },
        exists: { sqlExpression: 'EXISTS(tag)' },
        isNull: { sqlExpression: 'tag IS NULL' },
        isNotNull: { sqlExpression: 'tag IS NOT NULL' },
      },
      msgs,
    );
    expect(got).toEqual({
      inList: ['m1', 'm2'],
      notIn: ['m3'],
      prefix: ['m1', 'm2'],
      single: ['m1'],
      escaped: ['m2'],
      notLike: [],
      exists: ['m1', 'm3'],
      isNull: ['m2', 'm3', 'm4'],
      isNotNull: ['m1'],
    });
  });

  it('SQL filters on system properties (sys.Label, sys.To, sys.MessageId, sys.CorrelationId, …) and bracketed names', async () => {
    const msgs: ServiceBusMessage[] = [
      {
        body: 1,
        messageId: 'm1',
        subject: 'order.created',
        to: 'shipping',
        correlationId: 'c-1',
        replyTo: 'r1',
        contentType: 'application/json',
        applicationProperties: { 'odd name': 1 },
      },
      { body: 2, messageId: 'm2', subject: 'order.deleted', to: 'billing', correlationId: 'c-2' },
    ];
    const got = await route(
      {
        label: { sqlExpression: "sys.Label LIKE 'order.%' AND sys.To = 'shipping'" },
        subject: { sqlExpression: "sys.subject = 'order.deleted'" },
        ids: { sqlExpression: "sys.MessageId = 'm2' OR sys.CorrelationId = 'c-1'" },
        replyTo: { sqlExpression: "sys.ReplyTo = 'r1' AND sys.ContentType = 'application/json'" },
        bracket: { sqlExpression: 'user.[odd name] = 1' },
        noSession: { sqlExpression: 'sys.SessionId IS NULL' },
      },
      msgs,
    );
    expect(got).toEqual({
      label: ['m1'],
      subject: ['m2'],
      ids: ['m1', 'm2'],
      replyTo: ['m1'],
      bracket: ['m1'],
      noSession: ['m1', 'm2'],
    });
  });

  it('correlation filters match system and application properties exactly (AND of all fields)', async () => {
    const msgs: ServiceBusMessage[] = [
      {
        body: 1,
        messageId: 'm1',
        correlationId: 'abc',
        subject: 'created',
        applicationProperties: { region: 'eu', n: 1 },
      },
      {
        body: 2,
        messageId: 'm2',
        correlationId: 'abc',
        subject: 'deleted',
        applicationProperties: { region: 'eu', n: 2 },
      },
      {
        body: 3,
        messageId: 'm3',
        correlationId: 'ABC',
        subject: 'created',
        applicationProperties: { region: 'us' },
      },
    ];
    const got = await route(
      {
        corr: { correlationId: 'abc' },
        corrSubject: { correlationId: 'abc', subject: 'created' },
        props: { applicationProperties: { region: 'eu', n: 2 } },
        mixed: { subject: 'created', applicationProperties: { region: 'us' } },
        none: { to: 'nobody' },
      },
      msgs,
    );
    expect(got).toEqual({ corr: ['m1', 'm2'], corrSubject: ['m1'], props: ['m2'], mixed: ['m3'], none: [] });
  });

  it('ServiceBusRuleManager creates, lists and deletes SQL and correlation rules', async () => {
    const topic = unique('rules');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'managed');
    const rules = ctx.client.createRuleManager(topic, 'managed');
    const initial = [];
    for await (const rule of rules.listRules()) initial.push(rule);
    expect(initial.map((r) => [r.name, r.filter])).toEqual([['$Default', { sqlExpression: '1=1' }]]);
    await rules.deleteRule('$Default');
    await rules.createRule('big', { sqlExpression: 'amount > 100' });
    await rules.createRule(
      'eu',
      { correlationId: 'c', applicationProperties: { region: 'eu' } },
      { sqlExpression: "SET tagged = 'yes'" },
    );
    const listed = [];
    for await (const rule of rules.listRules()) listed.push(rule);
    expect(listed.map((r) => r.name).sort()).toEqual(['big', 'eu']);
    const big = listed.find((r) => r.name === 'big');
    const eu = listed.find((r) => r.name === 'eu');
    expect(big?.filter).toEqual({ sqlExpression: 'amount > 100' });
    expect(eu?.filter).toMatchObject({ correlationId: 'c', applicationProperties: { region: 'eu' } });
    expect(eu?.action).toEqual({ sqlExpression: "SET tagged = 'yes'" });
    expect(
      ctx.twin
        .listRules(topic, 'managed')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['big', 'eu']);

    const sender = ctx.client.createSender(topic);
    await sender.sendMessages([
      { body: 'small', applicationProperties: { amount: 5 } },
      { body: 'large', applicationProperties: { amount: 500 } },
      { body: 'eu', correlationId: 'c', applicationProperties: { region: 'eu' } },
    ]);
    const receiver = ctx.client.createReceiver(topic, 'managed', { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 2);
    expect(got.map((m) => m.body)).toEqual(['large', 'eu']);
    expect(got[1]?.applicationProperties).toMatchObject({ tagged: 'yes', RuleName: 'eu' });

    await rules.deleteRule('big');
    await sender.sendMessages({ body: 'large again', applicationProperties: { amount: 500 } });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('rules with actions produce their own annotated copy; rules without actions produce one copy', async () => {
    const topic = unique('actions');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'multi', {
      rules: [
        { name: 'all', filter: true },
        { name: 'also-all', filter: { sqlExpression: '1=1' } },
        {
          name: 'tagger',
          filter: { sqlExpression: 'n > 1' },
          action: "SET sys.Label = 'tagged'; SET n = n * 10; REMOVE secret",
        },
      ],
    });
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages([
      { body: 'one', subject: 'plain', applicationProperties: { n: 1, secret: 's' } },
      { body: 'two', subject: 'plain', applicationProperties: { n: 2, secret: 's' } },
    ]);
    const receiver = ctx.client.createReceiver(topic, 'multi', { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 3);
    expect(got).toHaveLength(3);
    const summary = got.map((m) => [m.body, m.subject, m.applicationProperties]);
    expect(summary).toContainEqual(['one', 'plain', { n: 1, secret: 's' }]);
    expect(summary).toContainEqual(['two', 'plain', { n: 2, secret: 's' }]);
    expect(summary).toContainEqual(['two', 'tagged', { n: 20, RuleName: 'tagger' }]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('a message that matches no subscription is accepted and dropped', async () => {
    const topic = unique('nomatch');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'picky', { rules: [{ name: 'never', filter: false }] });
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages({ body: 'nobody wants me' });
    expect(ctx.twin.getRuntimeProperties(topic)).toMatchObject({ activeMessageCount: 0, sizeInBytes: 0 });
    await sender.close();
  });

  it('invalid SQL, duplicate rule names and unknown rules are refused', async () => {
    const topic = unique('badrules');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 's');
    const rules = ctx.client.createRuleManager(topic, 's');
    const bad = await expectServiceBusError(
      rules.createRule('bad', { sqlExpression: "color = 'red" }),
      'GeneralError',
    );
    expect(bad.message).toMatch(/Unterminated string/);
    await expectServiceBusError(rules.createRule('sys', { sqlExpression: "sys.Nope = 'x'" }), 'GeneralError');
    await expectServiceBusError(
      rules.createRule('$Default', { sqlExpression: '1=1' }),
      'MessagingEntityAlreadyExists',
    );
    await expectServiceBusError(rules.deleteRule('missing'), 'MessagingEntityNotFound');
    expect(() => ctx.twin.addRule(topic, 's', { name: 'x', filter: { sqlExpression: 'a = ' } })).toThrow(
      /Invalid filter/,
    );
  });
});
