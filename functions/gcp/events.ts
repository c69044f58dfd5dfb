/**
 * The Pub/Sub shapes this package handles, owned here (no dependency on the functions framework's or cloudevents'
 * types):
 * - the push request body: `{ message: { data (base64), attributes, messageId, publishTime, orderingKey },
 *   subscription, deliveryAttempt }` (https://cloud.google.com/pubsub/docs/push#receive_push);
 * - the CloudEvent Cloud Run functions receive, type `google.cloud.pubsub.topic.v1.messagePublished`, whose `data`
 *   is `MessagePublishedData` `{ message, subscription }` (https://github.com/googleapis/google-cloudevents).
 * `deliveryAttempt` is set only when the subscription has a dead-letter policy.
 *
 * @example
 * ```ts
 * const body = req.body as PushBody;
 * Buffer.from(body.message.data ?? '', 'base64').toString('utf8');
 * ```
 * @module
 */

/** The CloudEvent type of a Pub/Sub message. */
export const MESSAGE_PUBLISHED_TYPE = 'google.cloud.pubsub.topic.v1.messagePublished';

/** A Pub/Sub message as JSON (push body and CloudEvent data). */
export interface PubsubMessageJson {
  /** The body, base64. Absent for an empty body. */
  data?: string | null | undefined;
  /** String attributes. */
  attributes?: Record<string, string> | null | undefined;
  messageId: string;
  /** Some producers also send the snake-case twins. */
  message_id?: string | undefined;
  /** RFC 3339 time. */
  publishTime?: string | undefined;
  publish_time?: string | undefined;
  orderingKey?: string | undefined;
}

/** The JSON body of a push request. */
export interface PushBody {
  message: PubsubMessageJson;
  /** `projects/<project>/subscriptions/<id>`. */
  subscription: string;
  /** Present when the subscription has a dead-letter policy; 1 on the first delivery. */
  deliveryAttempt?: number | undefined;
}

/** `data` of a `messagePublished` CloudEvent. */
export interface MessagePublishedData {
  message: PubsubMessageJson;
  subscription?: string | undefined;
  deliveryAttempt?: number | undefined;
}

/** The CloudEvent fields the handler reads (structured or binary mode, as the functions framework parses it). */
export interface PubsubCloudEvent {
  id?: string | undefined;
  type?: string | undefined;
  source?: string | undefined;
  specversion?: string | undefined;
  time?: string | undefined;
  data?: MessagePublishedData | undefined;
}
