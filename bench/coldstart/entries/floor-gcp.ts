/**
 * Cold-start entry: the GCP floor — a CloudEvent handler that only imports the bare Pub/Sub client.
 *
 * @example
 * ```ts
 * export { handler } from './floor-gcp.js';
 * ```
 * @module
 */
import { PubSub } from '@google-cloud/pubsub';

const pubsub = new PubSub();

/** The CloudEvent handler. */
export const handler = async (event: { data?: { message?: { data?: string } } }): Promise<void> => {
  void JSON.parse(Buffer.from(event.data?.message?.data ?? 'e30=', 'base64').toString('utf8'));
  void pubsub;
};
