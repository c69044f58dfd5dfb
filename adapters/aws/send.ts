/**
 * Sending: SendMessageBatch to a queue, PublishBatch to a topic. Messages are checked into entries first (a message
 * AWS would refuse gets its typed error and is not sent), split into calls of at most 10 entries and 256 KiB as
 * sent, and every message gets exactly one outcome, in order. A whole call that fails gives its error to each of
 * its messages; other calls' successes stand. FIFO targets send their calls one after another, in order.
 *
 * @example
 * ```ts
 * const outcomes = await sendToQueue(clients, queue, target, messages);
 * ```
 * @module
 */
import type { DriverMessage, SendOutcome } from '../../core/driver.js';
import { type OmnibusError, TransportError } from '../../core/errors.js';
import type { AwsClients } from './clients.js';
import { type EntryTarget, splitEntries, toEntry, type WireEntry } from './entries.js';
import { entryError, toOmnibusError } from './errors.js';
import type { ResolvedQueue, ResolvedTopic } from './resolver.js';

interface Item {
  readonly index: number;
  readonly entry: WireEntry;
}

interface BatchResult {
  readonly Successful?: readonly { Id?: string | undefined; MessageId?: string | undefined }[] | undefined;
  readonly Failed?:
    | readonly {
        Id?: string | undefined;
        Code?: string | undefined;
        Message?: string | undefined;
        SenderFault?: boolean | undefined;
      }[]
    | undefined;
}

/** Runs every call, fills one outcome per message. */
async function sendAll(
  messages: readonly DriverMessage[],
  target: EntryTarget,
  operation: string,
  entity: string,
  call: (batch: Item[]) => Promise<BatchResult>,
): Promise<{ outcomes: SendOutcome[]; errors: OmnibusError[] }> {
  const outcomes: (SendOutcome | undefined)[] = new Array(messages.length);
  const errors: OmnibusError[] = [];
  const items: Item[] = [];
  messages.forEach((message, index) => {
    const entry = toEntry(message, target);
    if (entry instanceof Error) outcomes[index] = { ok: false, error: entry };
    else items.push({ index, entry });
  });
  const run = async (batch: Item[]) => {
    try {
      const result = await call(batch);
      for (const s of result.Successful ?? []) {
        const item = batch[Number(s.Id)];
        if (item) outcomes[item.index] = { ok: true, id: s.MessageId ?? '' };
      }
      for (const f of result.Failed ?? []) {
        const item = batch[Number(f.Id)];
        if (item) outcomes[item.index] = { ok: false, error: entryError(operation, entity, f) };
      }
    } catch (error) {
      const mapped = toOmnibusError(error, operation, entity);
      errors.push(mapped);
      for (const item of batch) outcomes[item.index] = { ok: false, error: mapped };
    }
  };
  const batches = splitEntries(items);
  if (target.fifo) for (const b of batches) await run(b);
  else await Promise.all(batches.map(run));
  return {
    outcomes: outcomes.map(
      (o) =>
        o ?? { ok: false, error: new TransportError('aws', `${operation} on ${entity} returned no result`) },
    ),
    errors,
  };
}

/**
 * Sends messages to an SQS queue with SendMessageBatch.
 *
 * @example
 * ```ts
 * await sendToQueue(clients, queue, { kind: 'queue', fifo: false, ordered: false, queueDelaySeconds: 0 }, msgs);
 * ```
 */
export async function sendToQueue(
  clients: AwsClients,
  queue: ResolvedQueue,
  target: EntryTarget,
  messages: readonly DriverMessage[],
): Promise<{ outcomes: SendOutcome[]; errors: OmnibusError[] }> {
  const [sqs, sdk] = await Promise.all([clients.sqs(), clients.sqsSdk()]);
  return sendAll(messages, target, 'SendMessageBatch', queue.entity, (batch) =>
    sqs.send(
      new sdk.SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: batch.map(({ entry }, i) => ({
          Id: String(i),
          MessageBody: entry.body,
          ...(Object.keys(entry.attributes).length > 0 ? { MessageAttributes: entry.attributes } : {}),
          ...(entry.delaySeconds !== undefined ? { DelaySeconds: entry.delaySeconds } : {}),
          ...(entry.groupId !== undefined ? { MessageGroupId: entry.groupId } : {}),
          ...(entry.dedupId !== undefined ? { MessageDeduplicationId: entry.dedupId } : {}),
        })),
      }),
    ),
  );
}

/**
 * Publishes messages to an SNS topic with PublishBatch.
 *
 * @example
 * ```ts
 * await publishToTopic(clients, topic, { kind: 'topic', fifo: false, ordered: false, queueDelaySeconds: 0 }, msgs);
 * ```
 */
export async function publishToTopic(
  clients: AwsClients,
  topic: ResolvedTopic,
  target: EntryTarget,
  messages: readonly DriverMessage[],
): Promise<{ outcomes: SendOutcome[]; errors: OmnibusError[] }> {
  const [sns, sdk] = await Promise.all([clients.sns(), clients.snsSdk()]);
  return sendAll(messages, target, 'PublishBatch', topic.entity, (batch) =>
    sns.send(
      new sdk.PublishBatchCommand({
        TopicArn: topic.arn,
        PublishBatchRequestEntries: batch.map(({ entry }, i) => ({
          Id: String(i),
          Message: entry.body,
          ...(Object.keys(entry.attributes).length > 0 ? { MessageAttributes: entry.attributes } : {}),
          ...(entry.groupId !== undefined ? { MessageGroupId: entry.groupId } : {}),
          ...(entry.dedupId !== undefined ? { MessageDeduplicationId: entry.dedupId } : {}),
        })),
      }),
    ),
  );
}
