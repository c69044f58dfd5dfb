/**
 * Publishing through the Node client's `Topic` publisher: one `Topic` object per topic id and ordering mode, with
 * batching within Pub/Sub's request limits (1,000 messages, 9 MiB of data and attributes per request, the client's
 * own cap that leaves room for framing in the 10 MB request). Every message of a send call is queued at once and
 * the batch is flushed immediately, so one send call is one publish request when it fits.
 *
 * Ordered targets publish with `messageOrdering: true`: the client sends each ordering key's messages in order and,
 * after a failed publish, refuses the key's later messages until `resumePublishing(key)` — which this module calls
 * once the send call's outcomes are known, so core's retry of the failed messages (in order) can proceed.
 *
 * @example
 * ```ts
 * const publisher = new Publisher(() => clients.get());
 * const outcomes = await publisher.publish('billing', false, messages);
 * ```
 * @module
 */
import type { Topic } from '@google-cloud/pubsub';
import type { DriverMessage, SendOutcome } from '../../core/driver.js';
import type { ClientSet } from './clients.js';
import { toOmnibusError } from './errors.js';
import {
  CLIENT_BATCH_MAX_BYTES,
  CLIENT_BATCH_MAX_MILLISECONDS,
  MAX_PUBLISH_REQUEST_MESSAGES,
} from './limits.js';
import { topicPath } from './names.js';
import { toWireMessage, type WireMessage } from './outgoing.js';

/** Publishes send calls to Pub/Sub topics. */
export class Publisher {
  readonly #clients: () => Promise<ClientSet>;
  readonly #topics = new Map<string, Topic>();

  constructor(clients: () => Promise<ClientSet>) {
    this.#clients = clients;
  }

  /**
   * Publishes `messages` to topic `topicId`; `target` marks copies meant for one subscription. One outcome per
   * message, in order; a message that fails its checks is reported and not sent.
   */
  async publish(
    topicId: string,
    ordered: boolean,
    messages: readonly DriverMessage[],
    target?: string,
  ): Promise<SendOutcome[]> {
    const { pubsub, projectId } = await this.#clients();
    const path = topicPath(projectId, topicId);
    const topic = this.#topic(pubsub, topicId, ordered);
    const entity = `topic "${topicId}"`;
    const pending = messages.map((message): Promise<SendOutcome> | SendOutcome => {
      let wire: WireMessage;
      try {
        wire = toWireMessage(message, path, target);
      } catch (error) {
        return { ok: false, error: toOmnibusError(error, 'publish', entity) };
      }
      return topic.publishMessage(wire).then(
        (id): SendOutcome => ({ ok: true, id }),
        (error: unknown): SendOutcome => ({ ok: false, error: toOmnibusError(error, 'publish', entity) }),
      );
    });
    // Flush now rather than after the batching delay; outcomes come from the per-message promises.
    topic.flush().catch(() => undefined);
    const outcomes = await Promise.all(pending);
    if (ordered) {
      const paused = new Set<string>();
      outcomes.forEach((o, i) => {
        const key = messages[i]?.orderingKey;
        if (!o.ok && key) paused.add(key);
      });
      for (const key of paused) topic.resumePublishing(key);
    }
    return outcomes;
  }

  #topic(pubsub: ClientSet['pubsub'], topicId: string, ordered: boolean): Topic {
    const key = `${ordered ? 'ordered' : 'plain'}|${topicId}`;
    let topic = this.#topics.get(key);
    if (!topic) {
      topic = pubsub.topic(topicId, {
        messageOrdering: ordered,
        batching: {
          maxMessages: MAX_PUBLISH_REQUEST_MESSAGES,
          maxBytes: CLIENT_BATCH_MAX_BYTES,
          maxMilliseconds: CLIENT_BATCH_MAX_MILLISECONDS,
        },
      });
      this.#topics.set(key, topic);
    }
    return topic;
  }

  /** Sends whatever the publishers still hold. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#topics.values()].map((t) => t.flush()));
  }
}
