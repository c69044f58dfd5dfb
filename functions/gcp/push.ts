/**
 * The HTTP handler for Pub/Sub push subscriptions: the response settles the message, 204 acks it, any other status
 * nacks it (Pub/Sub redelivers with its push backoff / the subscription's retry policy, up to its dead-letter policy).
 * - done (acked, dead-lettered with the envelope, filtered, or a copy for another subscription) → 204;
 * - released, held, or settlement failed → 500;
 * - a body that is not a push request → 400 (nothing was processed);
 * - with `verify`: no bearer token → 401, a token that does not pass → 403, before the body is read.
 * `deliveryAttempt` (subscriptions with a dead-letter policy) is the attempt. The handler is a Node
 * `(req, res)` listener, usable as an Express route or a functions-framework HTTP function (a body already parsed
 * into `req.body` is used; otherwise it is read, up to 16 MiB); `handle()` answers a plain request object for other
 * servers.
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { pubsubPushHandler } from 'omnibus/functions/gcp';
 *
 * functions.http('billing-push', pubsubPushHandler(bus, billing, bill, {
 *   verify: { audience: 'https://billing-abc.run.app', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' },
 * }));
 * ```
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Consumable, MessageBody } from '../../core/declarations.js';
import type { Handler } from '../../core/message.js';
import type { BusOrDriver } from '../shared/bus-source.js';
import type { FunctionHandlerOptions, TimeLimitOptions } from '../shared/options.js';
import type { PushBody } from './events.js';
import { processPubsubMessage, pubsubMessageProblem } from './message.js';
import { type PushAuthOptions, pushTokenChecker } from './oidc.js';
import { pubsubProcessing } from './setup.js';

/** Options of {@link pubsubPushHandler}. */
export interface PushHandlerOptions extends FunctionHandlerOptions, TimeLimitOptions {
  /** Verify the OIDC token of authenticated push subscriptions. Default: no verification. */
  readonly verify?: PushAuthOptions;
}

/** A request as the handler needs it. */
export interface PushRequest {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body: parsed JSON, or its text or bytes. */
  readonly body: unknown;
}

/** The answer to a push request. */
export interface PushResponse {
  readonly status: number;
  /** Short plain text (never a message body). */
  readonly body: string;
}

/** A Node request listener that also answers plain requests. */
export interface PubsubPushHandler {
  (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void>;
  /** Answers one push request. */
  handle(request: PushRequest): Promise<PushResponse>;
}

/** Largest body read from a request stream: a 10 MB message in base64 and its JSON framing. */
export const MAX_PUSH_BODY_BYTES = 16 * 1024 * 1024;

function header(headers: PushRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function parseBody(body: unknown): unknown {
  if (typeof body === 'string') return JSON.parse(body);
  if (body instanceof Uint8Array) return JSON.parse(Buffer.from(body).toString('utf8'));
  return body;
}

async function readStream(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.byteLength;
    if (size > MAX_PUSH_BODY_BYTES) throw new RangeError(`body is over ${MAX_PUSH_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Creates the push handler for `source` (a queue or subscription whose Pub/Sub subscription pushes to it).
 *
 * @example
 * ```ts
 * http.createServer(pubsubPushHandler(gcp(), billing, bill)).listen(8080);
 * ```
 */
export function pubsubPushHandler<D extends Consumable<any>>(
  target: BusOrDriver,
  source: D,
  handler: Handler<MessageBody<D>>,
  options: PushHandlerOptions = {},
): PubsubPushHandler {
  const ctx = pubsubProcessing(target, source, handler, options);
  const check = options.verify ? pushTokenChecker(options.verify) : undefined;

  const answerBody = async (raw: unknown): Promise<PushResponse> => {
    let body: unknown;
    try {
      body = parseBody(raw);
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    const push = body as Partial<PushBody> | null;
    if (typeof push !== 'object' || push === null) return { status: 400, body: 'body is not a push request' };
    const problem = pubsubMessageProblem(push.message);
    if (problem !== undefined) {
      ctx.logger.warn('not a Pub/Sub push request; answered 400', { source: ctx.source, problem });
      return { status: 400, body: `message ${problem}` };
    }
    const result = await processPubsubMessage(ctx, push.message!, push.deliveryAttempt, push);
    return result.answer === 'ack'
      ? { status: 204, body: '' }
      : { status: 500, body: `redelivery requested (${result.outcome ?? 'failed'})` };
  };

  const authorize = async (headers: PushRequest['headers']): Promise<PushResponse | undefined> => {
    if (!check) return undefined;
    const failure = await check(header(headers, 'authorization'));
    if (!failure) return undefined;
    ctx.logger.warn('push request refused', {
      source: ctx.source,
      status: failure.status,
      reason: failure.reason,
    });
    return { status: failure.status, body: failure.reason };
  };

  const handle = async (request: PushRequest): Promise<PushResponse> =>
    (await authorize(request.headers)) ?? answerBody(request.body);

  const listener = (async (req, res) => {
    let response: PushResponse;
    try {
      response =
        (await authorize(req.headers)) ??
        (await answerBody(req.body !== undefined ? req.body : await readStream(req)));
    } catch (error) {
      ctx.logger.error('push request failed', { source: ctx.source, error: String(error) });
      response = { status: 500, body: 'internal error' };
    }
    res.statusCode = response.status;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(response.body);
  }) as PubsubPushHandler;
  listener.handle = handle;
  return listener;
}
