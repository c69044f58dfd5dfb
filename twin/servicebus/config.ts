/**
 * Entity options (named like the Service Bus administration API), their defaults, ISO 8601 durations, and the
 * declarative {@link TwinConfig} — including a loader for the official emulator's `Config.json`
 * (`UserConfig.Namespaces[].Queues/Topics[].Subscriptions[].Rules`).
 */
import { readFile } from 'node:fs/promises';
import type { RuleDefinition } from './rules.js';

/**
 * A duration: milliseconds, or an ISO 8601 duration string such as `'PT1M'` or `'P14D'`.
 *
 * @example
 * ```ts
 * const lock: Duration = 'PT30S'; // same as 30_000
 * ```
 */
export type Duration = number | string;

/**
 * Entity status. `Disabled` refuses everything, `SendDisabled` refuses senders, `ReceiveDisabled` refuses receivers
 * (all with `com.microsoft:entity-disabled` → SDK code `MessagingEntityDisabled`).
 *
 * @example
 * ```ts
 * twin.createQueue('paused', { status: 'ReceiveDisabled' });
 * ```
 */
export type EntityStatus = 'Active' | 'Disabled' | 'SendDisabled' | 'ReceiveDisabled';

/**
 * Options of a queue.
 *
 * @example
 * ```ts
 * twin.createQueue('orders', { lockDuration: 'PT30S', maxDeliveryCount: 5, requiresDuplicateDetection: true });
 * ```
 */
export interface QueueOptions {
  /** Peek-lock duration (default: the twin's `lockDurationMs`, 60 s). */
  lockDuration?: Duration;
  /** Deliveries before a message is dead-lettered with `MaxDeliveryCountExceeded` (default 10). */
  maxDeliveryCount?: number;
  requiresSession?: boolean;
  /** Time to live of messages that set none, and cap for those that do (default: never expire). */
  defaultMessageTimeToLive?: Duration;
  /** Move expired messages to the dead-letter queue (reason `TTLExpiredException`) instead of dropping them. */
  deadLetteringOnMessageExpiration?: boolean;
  /** Drop messages whose message id was seen within the window. */
  requiresDuplicateDetection?: boolean;
  /** Duplicate detection window (default 10 minutes). */
  duplicateDetectionHistoryTimeWindow?: Duration;
  /** Entity size quota in megabytes (default 1024); sends beyond it fail with `QuotaExceeded`. */
  maxSizeInMegabytes?: number;
  /** Entity size quota in bytes (overrides `maxSizeInMegabytes`). */
  maxSizeInBytes?: number;
  /** Premium only: maximum message size in KB (1 024–102 400). */
  maxMessageSizeInKilobytes?: number;
  /** Auto-forward every message to this queue or topic. */
  forwardTo?: string;
  /** Auto-forward dead-lettered messages to this queue or topic. */
  forwardDeadLetteredMessagesTo?: string;
  status?: EntityStatus;
}

/**
 * Options of a topic.
 *
 * @example
 * ```ts
 * twin.createTopic('events', { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT1M' });
 * ```
 */
export interface TopicOptions {
  defaultMessageTimeToLive?: Duration;
  requiresDuplicateDetection?: boolean;
  duplicateDetectionHistoryTimeWindow?: Duration;
  maxSizeInMegabytes?: number;
  maxSizeInBytes?: number;
  maxMessageSizeInKilobytes?: number;
  status?: EntityStatus;
}

/**
 * Options of a subscription. Without `rules` a subscription gets the `$Default` rule (true filter); with
 * `rules` it gets exactly those.
 *
 * @example
 * ```ts
 * twin.createSubscription('events', 'eu', { rules: [{ name: 'eu', filter: { sqlExpression: "region = 'eu'" } }] });
 * ```
 */
export interface SubscriptionOptions {
  lockDuration?: Duration;
  maxDeliveryCount?: number;
  requiresSession?: boolean;
  defaultMessageTimeToLive?: Duration;
  deadLetteringOnMessageExpiration?: boolean;
  forwardTo?: string;
  forwardDeadLetteredMessagesTo?: string;
  status?: EntityStatus;
  rules?: RuleDefinition[];
}

/**
 * Entities to create when the twin starts.
 *
 * @example
 * ```ts
 * const config: TwinConfig = {
 *   queues: [{ name: 'orders', maxDeliveryCount: 3 }],
 *   topics: [{ name: 'events', subscriptions: [{ name: 'all' }] }],
 * };
 * ```
 */
export interface TwinConfig {
  queues?: Array<QueueOptions & { name: string }>;
  topics?: Array<
    TopicOptions & { name: string; subscriptions?: Array<SubscriptionOptions & { name: string }> }
  >;
}

/**
 * Service Bus' `TimeSpan.MaxValue` in milliseconds; anything at or above it means "never".
 *
 * @example
 * ```ts
 * durationToMs(MAX_DURATION_MS); // Infinity
 * ```
 */
export const MAX_DURATION_MS = 922_337_203_685_477;

/**
 * Converts a {@link Duration} to milliseconds (`Infinity` for `TimeSpan.MaxValue`-like values).
 *
 * @example
 * ```ts
 * durationToMs('PT1M30S'); // 90000
 * durationToMs('P10675199DT2H48M5.4775807S'); // Infinity
 * durationToMs(500); // 500
 * ```
 */
export function durationToMs(duration: Duration): number {
  let ms: number;
  if (typeof duration === 'number') {
    ms = duration;
  } else {
    const match =
      /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
        duration.trim(),
      );
    if (!match || duration.trim().toUpperCase() === 'P' || duration.trim().toUpperCase().endsWith('T')) {
      throw new Error(`Invalid ISO 8601 duration '${duration}'`);
    }
    const n = (i: number): number => Number(match[i] ?? 0);
    const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
    ms = (((days * 24 + n(5)) * 60 + n(6)) * 60 + n(7)) * 1000;
  }
  if (!Number.isFinite(ms) || ms >= MAX_DURATION_MS) return Number.POSITIVE_INFINITY;
  if (ms < 0) throw new Error(`Negative duration '${duration}'`);
  return ms;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const dur = (v: unknown): Duration | undefined =>
  typeof v === 'number' || typeof v === 'string' ? v : undefined;

function assign<T extends object>(target: T, values: Partial<Record<keyof T, unknown>>): T {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

function ruleFromEmulator(raw: unknown): RuleDefinition {
  const rule = obj(raw);
  const props = obj(rule.Properties);
  const name = str(rule.Name) ?? 'rule';
  const type = String(props.FilterType ?? '').toLowerCase();
  const out: RuleDefinition = { name };
  if (type === 'sql') {
    out.filter = { sqlExpression: String(obj(props.SqlFilter).SqlExpression ?? '1=1') };
  } else if (type === 'correlation') {
    const c = obj(props.CorrelationFilter);
    const properties = obj(c.Properties);
    out.filter = assign(
      {},
      {
        contentType: str(c.ContentType),
        correlationId: str(c.CorrelationId),
        subject: str(c.Label) ?? str(c.Subject),
        messageId: str(c.MessageId),
        replyTo: str(c.ReplyTo),
        replyToSessionId: str(c.ReplyToSessionId),
        sessionId: str(c.SessionId),
        to: str(c.To),
        applicationProperties:
          Object.keys(properties).length > 0
            ? (properties as Record<string, string | number | boolean>)
            : undefined,
      },
    );
  } else if (type === 'false') {
    out.filter = false;
  } else {
    out.filter = true;
  }
  const action = str(obj(props.Action).SqlExpression);
  if (action !== undefined) out.action = action;
  return out;
}

/**
 * Converts the official Service Bus emulator's `Config.json` (already parsed) to a {@link TwinConfig}.
 * All namespaces are merged (the twin serves a single namespace).
 *
 * @example
 * ```ts
 * const config = fromEmulatorConfig(JSON.parse(await readFile('Config.json', 'utf8')));
 * const twin = await startServiceBusTwin({ entities: config });
 * ```
 */
export function fromEmulatorConfig(json: unknown): TwinConfig {
  const config: Required<TwinConfig> = { queues: [], topics: [] };
  for (const ns of arr(obj(obj(json).UserConfig).Namespaces)) {
    for (const rawQueue of arr(obj(ns).Queues)) {
      const q = obj(rawQueue);
      const p = obj(q.Properties);
      const name = str(q.Name);
      if (name === undefined) continue;
      config.queues.push(
        assign({ name } as QueueOptions & { name: string }, {
          deadLetteringOnMessageExpiration: bool(p.DeadLetteringOnMessageExpiration),
          defaultMessageTimeToLive: dur(p.DefaultMessageTimeToLive),
          duplicateDetectionHistoryTimeWindow: dur(p.DuplicateDetectionHistoryTimeWindow),
          forwardDeadLetteredMessagesTo: str(p.ForwardDeadLetteredMessagesTo),
          forwardTo: str(p.ForwardTo),
          lockDuration: dur(p.LockDuration),
          maxDeliveryCount: num(p.MaxDeliveryCount),
          requiresDuplicateDetection: bool(p.RequiresDuplicateDetection),
          requiresSession: bool(p.RequiresSession),
          maxSizeInMegabytes: num(p.MaxSizeInMegabytes),
        }),
      );
    }
    for (const rawTopic of arr(obj(ns).Topics)) {
      const t = obj(rawTopic);
      const p = obj(t.Properties);
      const name = str(t.Name);
      if (name === undefined) continue;
      const subscriptions = arr(t.Subscriptions).flatMap((rawSub) => {
        const s = obj(rawSub);
        const sp = obj(s.Properties);
        const subName = str(s.Name);
        if (subName === undefined) return [];
        const rules = arr(s.Rules).map(ruleFromEmulator);
        return [
          assign({ name: subName } as SubscriptionOptions & { name: string }, {
            deadLetteringOnMessageExpiration: bool(sp.DeadLetteringOnMessageExpiration),
            defaultMessageTimeToLive: dur(sp.DefaultMessageTimeToLive),
            lockDuration: dur(sp.LockDuration),
            maxDeliveryCount: num(sp.MaxDeliveryCount),
            forwardDeadLetteredMessagesTo: str(sp.ForwardDeadLetteredMessagesTo),
            forwardTo: str(sp.ForwardTo),
            requiresSession: bool(sp.RequiresSession),
            rules: rules.length > 0 ? rules : undefined,
          }),
        ];
      });
      config.topics.push(
        assign(
          { name, subscriptions } as TopicOptions & { name: string; subscriptions: SubscriptionOptions[] },
          {
            defaultMessageTimeToLive: dur(p.DefaultMessageTimeToLive),
            duplicateDetectionHistoryTimeWindow: dur(p.DuplicateDetectionHistoryTimeWindow),
            requiresDuplicateDetection: bool(p.RequiresDuplicateDetection),
            maxSizeInMegabytes: num(p.MaxSizeInMegabytes),
          },
        ) as TopicOptions & { name: string; subscriptions: Array<SubscriptionOptions & { name: string }> },
      );
    }
  }
  return config;
}

/**
 * Reads a JSON config file: either the official emulator's `Config.json` shape (has `UserConfig`) or a
 * {@link TwinConfig}.
 *
 * @example
 * ```ts
 * const twin = await startServiceBusTwin({ entities: await loadConfigFile('./servicebus.json') });
 * ```
 */
export async function loadConfigFile(path: string): Promise<TwinConfig> {
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (obj(json).UserConfig !== undefined) return fromEmulatorConfig(json);
  return json as TwinConfig;
}
