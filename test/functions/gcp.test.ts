/**
 * The Pub/Sub function handlers on real runtimes: the CloudEvent handler registered with
 * `@google-cloud/functions-framework` and served by the framework's own server, fed end to end by a Pub/Sub emulator
 * push subscription (publish → push → function → ack/nack → redelivery → dead letter); the push handler answering
 * push requests; OIDC verification through `google-auth-library` with a locally generated RSA key.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { OAuth2Client } from 'google-auth-library';
import { CertificateFormat } from 'google-auth-library/build/src/auth/oauth2client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gcp } from '../../adapters/gcp/index.js';
import { memory } from '../../adapters/memory/index.js';
import { createBus } from '../../core/bus.js';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { ValidationError } from '../../core/errors.js';
import { memoryIdempotencyStore } from '../../core/idempotency/memory-store.js';
import type { ReceivedMessage } from '../../core/message.js';
import {
  MESSAGE_PUBLISHED_TYPE,
  type PushBody,
  pubsubCloudEventHandler,
  pubsubPushHandler,
  RedeliveryRequested,
} from '../../functions/gcp/index.js';
import { describeWithEmulator, pubsubClientConfig, uniqueName } from '../support/emulators.js';
import { gate } from './support.js';

function pushBody(
  data: string,
  extra: Partial<PushBody['message']> = {},
  deliveryAttempt?: number,
): PushBody {
  return {
    subscription: 'projects/p/subscriptions/s',
    message: {
      data: Buffer.from(data).toString('base64'),
      messageId: extra.messageId ?? String(Math.floor(Math.random() * 1e12)),
      publishTime: '2024-05-01T10:00:00.000Z',
      attributes: {},
      ...extra,
    },
    ...(deliveryAttempt === undefined ? {} : { deliveryAttempt }),
  };
}

describe('[functions:gcp] push and CloudEvent handling (no emulator)', () => {
  it('reads deliveryAttempt, typed attributes and the ordering key of a push body, and answers 204', async () => {
    const queue = defineQueue('gcp-attempt', { ordering: true });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    const got: ReceivedMessage[] = [];
    const push = pubsubPushHandler(bus, queue, async (m) => void got.push(m));
    const body = pushBody(
      '{"a":1}',
      {
        orderingKey: 'k1',
        attributes: { n: '12.5', sig: 'AQI=', plain: '7', omnibus_types: 'n=n;b=sig' },
      },
      3,
    );
    expect(await push.handle({ headers: {}, body })).toEqual({ status: 204, body: '' });
    expect(got[0]).toMatchObject({ attempt: 3, orderingKey: 'k1', body: { a: 1 } });
    expect(got[0]!.attributes).toEqual({ n: 12.5, sig: new Uint8Array([1, 2]), plain: '7' });
    expect(got[0]!.publishTime.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    await bus.close();
  });

  it('answers 400 for a body that is not a push request, and throws for an event that is not messagePublished', async () => {
    const queue = defineQueue('gcp-malformed');
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    let runs = 0;
    const push = pubsubPushHandler(bus, queue, async () => void runs++);
    expect((await push.handle({ headers: {}, body: 'not json' })).status).toBe(400);
    expect((await push.handle({ headers: {}, body: { message: { data: 'aGk=' } } })).status).toBe(400);
    expect((await push.handle({ headers: {}, body: pushBody('x', { data: '***' }) })).status).toBe(400);
    const fn = pubsubCloudEventHandler(bus, queue, async () => void runs++);
    await expect(
      fn({ type: 'google.cloud.storage.object.v1.finalized', data: pushBody('x') } as never),
    ).rejects.toSatisfy((e: unknown) => ValidationError.isInstance(e) && e.field === 'event.type');
    await expect(fn({ type: MESSAGE_PUBLISHED_TYPE })).rejects.toSatisfy(
      (e: unknown) => ValidationError.isInstance(e) && e.field === 'event.data',
    );
    expect(runs).toBe(0);
    await bus.close();
  });

  it('acknowledges a copy redelivered to another subscription of the topic without running the handler', async () => {
    const topic = defineTopic('gcp-orders');
    const email = topic.subscription('email');
    const bus = createBus({ adapter: memory(), declarations: [topic] });
    await bus.provision();
    let runs = 0;
    const push = pubsubPushHandler(bus, email, async () => void runs++);
    const other = pushBody('{}', { attributes: { omnibus_target: 'gcp-orders-audit' } });
    expect((await push.handle({ headers: {}, body: other })).status).toBe(204);
    expect(runs).toBe(0);
    const mine = pushBody('{}', { attributes: { omnibus_target: 'gcp-orders-email' } });
    expect((await push.handle({ headers: {}, body: mine })).status).toBe(204);
    expect(runs).toBe(1);
    await bus.close();
  });

  it('runs a duplicate push once with idempotency, and nacks (500) a failure for redelivery', async () => {
    const queue = defineQueue('gcp-dup', { retry: { initialDelaySeconds: 0, jitter: false } });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    let runs = 0;
    let fail = true;
    const push = pubsubPushHandler(
      bus,
      queue,
      async () => {
        runs++;
        if (fail) throw new Error('flaky');
      },
      { idempotency: { store: memoryIdempotencyStore() } },
    );
    const body = pushBody('{"x":1}', { messageId: 'dup-1' });
    expect((await push.handle({ headers: {}, body })).status).toBe(500);
    fail = false;
    expect((await push.handle({ headers: {}, body })).status).toBe(204);
    expect((await push.handle({ headers: {}, body })).status).toBe(204);
    expect(runs).toBe(2); // the failure and the success; the third delivery was a duplicate
    await bus.close();
  });
});

describe('[functions:gcp] the push handler as a plain Node listener', () => {
  it('reads the request stream itself, answers 204/500, and nacks a message still running at timeoutMs', async () => {
    const queue = defineQueue('gcp-listener', { retry: { initialDelaySeconds: 0, jitter: false } });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    const slow = gate();
    const push = pubsubPushHandler(
      bus,
      queue,
      async (m) => {
        if ((m.body as { mode: string }).mode === 'fail') throw new Error('no');
        if ((m.body as { mode: string }).mode === 'slow') await slow.wait;
      },
      { timeoutMs: 300 },
    );
    const server = http.createServer(push);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const post = (mode: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pushBody(JSON.stringify({ mode }))),
      });
    expect((await post('ok')).status).toBe(204);
    expect((await post('fail')).status).toBe(500);
    const started = Date.now();
    const timedOut = await post('slow');
    expect(timedOut.status).toBe(500);
    expect(await timedOut.text()).toContain('timed-out');
    expect(Date.now() - started).toBeLessThan(5000);
    slow.open();
    expect((await fetch(url, { method: 'POST', body: '{"broken"' })).status).toBe(400);
    server.close();
    await bus.close();
  });
});

describe('[functions:gcp] push OIDC verification with google-auth-library', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const audience = 'https://billing.example.run.app/push';
  const account = 'push@my-project.iam.gserviceaccount.com';

  /** An OAuth2Client whose Google certificates are the local key's (the real verification logic runs). */
  class LocalCertsClient extends OAuth2Client {
    override async getFederatedSignonCertsAsync() {
      return { certs: { k1: pem }, format: CertificateFormat.PEM };
    }
  }

  const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
  function token(claims: Record<string, unknown>, key: KeyObject = keys.privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
    const payload = b64url(
      JSON.stringify({
        iss: 'https://accounts.google.com',
        aud: audience,
        sub: '1234567890',
        email: account,
        email_verified: true,
        iat: now,
        exp: now + 3600,
        ...claims,
      }),
    );
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  it('accepts the subscription service account token and refuses everything else before processing', async () => {
    const queue = defineQueue('gcp-oidc');
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    let runs = 0;
    const push = pubsubPushHandler(bus, queue, async () => void runs++, {
      verify: { audience, serviceAccountEmail: account, verifier: new LocalCertsClient() },
    });
    const ask = (authorization?: string) =>
      push.handle({ headers: authorization === undefined ? {} : { authorization }, body: pushBody('{}') });
    expect(await ask(`Bearer ${token({})}`)).toEqual({ status: 204, body: '' });
    expect((await ask()).status).toBe(401);
    expect((await ask('Basic abc')).status).toBe(401);
    expect((await ask(`Bearer ${token({ aud: 'https://elsewhere.example' })}`)).status).toBe(403);
    expect((await ask(`Bearer ${token({ email: 'attacker@evil.iam.gserviceaccount.com' })}`)).status).toBe(
      403,
    );
    expect((await ask(`Bearer ${token({ email_verified: false })}`)).status).toBe(403);
    expect((await ask(`Bearer ${token({ iss: 'https://evil.example' })}`)).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 7200;
    expect((await ask(`Bearer ${token({ iat: past, exp: past + 60 })}`)).status).toBe(403);
    expect((await ask(`Bearer ${token({}, otherKeys.privateKey)}`)).status).toBe(403);
    expect(runs).toBe(1);
    expect(() => pubsubPushHandler(bus, queue, async () => {}, { verify: { audience: '' } })).toThrow(
      /verify.audience/,
    );
    await bus.close();
  });
});

describeWithEmulator(
  'pubsub',
  '[functions:gcp] functions-framework fed by an emulator push subscription',
  () => {
    let pubsub: PubSub;
    const servers: Server[] = [];
    const subscriptions: string[] = [];
    beforeAll(() => {
      pubsub = new PubSub(pubsubClientConfig());
    });
    afterAll(async () => {
      for (const id of subscriptions)
        await pubsub
          .subscription(id)
          .delete()
          .catch(() => undefined);
      for (const server of servers) server.close();
      await pubsub.close();
    });

    function gcpBus(declarations: NonNullable<Parameters<typeof createBus>[0]['declarations']>) {
      const config = pubsubClientConfig();
      return createBus({
        adapter: gcp({ projectId: config.projectId, apiEndpoint: config.apiEndpoint, emulatorMode: true }),
        declarations,
      });
    }

    /** Serves a registered function with the framework's server and points the subscription's push at it. */
    async function serve(functionName: string, subscriptionId: string, topicId: string): Promise<void> {
      const server = getTestServer(functionName);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const endpoint = `http://127.0.0.1:${port}/projects/${pubsubClientConfig().projectId}/topics/${topicId}`;
      subscriptions.push(subscriptionId);
      await pubsub.subscription(subscriptionId).modifyPushConfig({ pushEndpoint: endpoint });
    }

    /** Messages on a (pull) subscription, gathered for up to `ms`. */
    async function collect(subscriptionId: string, count: number, ms = 8000): Promise<Message[]> {
      const sub = pubsub.subscription(subscriptionId);
      const got: Message[] = [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        sub.on('message', (m: Message) => {
          got.push(m);
          m.ack();
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await sub.close();
      return got;
    }

    const until = async (check: () => boolean, ms = 10_000) => {
      const end = Date.now() + ms;
      while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    };

    it('publish → push → function → 2xx ack: typed body and attributes, no redelivery', async () => {
      const Order = z.object({ orderId: z.string() });
      const queue = defineQueue(uniqueName('ff-ack'), { schema: Order });
      const bus = gcpBus([queue]);
      await bus.provision();
      const got: ReceivedMessage<z.infer<typeof Order>>[] = [];
      const name = uniqueName('fn-ack');
      functions.cloudEvent(
        name,
        pubsubCloudEventHandler(bus, queue, async (m) => void got.push(m)),
      );
      await serve(name, queue.name, queue.name);
      await bus.send(
        queue,
        { orderId: 'o-1' },
        { attributes: { region: 'eu', priority: 3, sig: new Uint8Array([7]) } },
      );
      await until(() => got.length >= 1);
      await new Promise((r) => setTimeout(r, 2500)); // would be redelivered by now had it been nacked
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toEqual({ orderId: 'o-1' });
      expect(got[0]!.attributes).toEqual({ region: 'eu', priority: 3, sig: new Uint8Array([7]) });
      expect(got[0]!.attempt).toBe(1);
      await bus.close();
    });

    it('nack (500) → the emulator redelivers → the second attempt acks', async () => {
      const queue = defineQueue(uniqueName('ff-retry'), { retry: { initialDelaySeconds: 0, jitter: false } });
      const bus = gcpBus([queue]);
      await bus.provision();
      const attempts: number[] = [];
      const name = uniqueName('fn-retry');
      functions.cloudEvent(
        name,
        pubsubCloudEventHandler(bus, queue, async (m) => {
          attempts.push(m.attempt);
          if (m.attempt === 1) throw new Error('first time fails');
        }),
      );
      await serve(name, queue.name, queue.name);
      await bus.send(queue, 'payload');
      await until(() => attempts.length >= 2);
      await new Promise((r) => setTimeout(r, 2000));
      expect(attempts).toEqual([1, 2]);
      await bus.close();
    });

    it('a poison message is retried then dead-lettered with the envelope at maxAttempts, and pushes stop', async () => {
      const queue = defineQueue(uniqueName('ff-poison'), {
        maxAttempts: 2,
        retry: { initialDelaySeconds: 0, jitter: false },
      });
      const bus = gcpBus([queue]);
      await bus.provision();
      let pushes = 0;
      const name = uniqueName('fn-poison');
      functions.cloudEvent(
        name,
        pubsubCloudEventHandler(bus, queue, async () => {
          pushes++;
          throw new Error('poison');
        }),
      );
      await serve(name, queue.name, queue.name);
      await bus.send(queue, { id: 'p-1' });
      const [dead] = await collect(`${queue.name}-dlq`, 1, 12_000);
      expect(dead).toBeDefined();
      expect(JSON.parse(dead!.data.toString())).toEqual({ id: 'p-1' });
      const envelope = JSON.parse(dead!.attributes.omnibus_dead_letter!);
      expect(envelope).toMatchObject({ reason: 'max-attempts', attempts: 2, source: queue.name });
      expect(envelope.error.message).toBe('poison');
      await new Promise((r) => setTimeout(r, 2000));
      expect(pushes).toBe(2);
      await bus.close();
    });

    it('a malformed body is dead-lettered at once (validation); an empty body arrives as a raw push and is handled', async () => {
      const queue = defineQueue(uniqueName('ff-bad'), { format: 'text' });
      const jsonQueue = defineQueue(uniqueName('ff-badjson'));
      const bus = gcpBus([queue, jsonQueue]);
      await bus.provision();
      const texts: string[] = [];
      const textFn = uniqueName('fn-text');
      functions.cloudEvent(
        textFn,
        pubsubCloudEventHandler(bus, queue, async (m) => void texts.push(String(m.body))),
      );
      await serve(textFn, queue.name, queue.name);
      let jsonRuns = 0;
      const jsonFn = uniqueName('fn-json');
      functions.cloudEvent(
        jsonFn,
        pubsubCloudEventHandler(bus, jsonQueue, async () => void jsonRuns++),
      );
      await serve(jsonFn, jsonQueue.name, jsonQueue.name);
      await pubsub.topic(queue.name).publishMessage({ data: Buffer.alloc(0), attributes: { empty: 'yes' } });
      await pubsub.topic(jsonQueue.name).publishMessage({ data: Buffer.from('{not json') });
      const [dead] = await collect(`${jsonQueue.name}-dlq`, 1, 12_000);
      expect(JSON.parse(dead!.attributes.omnibus_dead_letter!)).toMatchObject({
        reason: 'validation',
        attempts: 1,
      });
      expect(dead!.data.toString()).toBe('{not json');
      await until(() => texts.length >= 1);
      expect(texts).toEqual(['']);
      expect(jsonRuns).toBe(0);
      await bus.close();
    });

    it('the push handler as a framework HTTP function: 204 acks, 500 nacks and the emulator redelivers', async () => {
      const topic = defineTopic(uniqueName('ff-topic'));
      const audit = topic.subscription('audit', { retry: { initialDelaySeconds: 0, jitter: false } });
      const bus = gcpBus([topic]);
      await bus.provision();
      const seen: [unknown, number][] = [];
      const name = uniqueName('fn-http');
      functions.http(
        name,
        pubsubPushHandler(bus, audit, async (m) => {
          seen.push([m.body, m.attempt]);
          if (m.attempt < 2) throw new RedeliveryRequested('x', [], []);
        }),
      );
      await serve(name, `${topic.name}-audit`, topic.name);
      await bus.publish(topic, { event: 'placed' });
      await until(() => seen.length >= 2);
      await new Promise((r) => setTimeout(r, 2000));
      expect(seen).toEqual([
        [{ event: 'placed' }, 1],
        [{ event: 'placed' }, 2],
      ]);
      await bus.close();
    });
  },
);
