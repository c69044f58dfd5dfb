/**
 * One `StreamingPull` stream that keeps itself open: it asks for at most `maxOutstanding` outstanding messages
 * (`max_outstanding_messages`, the client library's `flowControl.maxMessages`) with the lease as the stream's ack
 * deadline, sends a keep-alive every 30 s (as the client library does), and reconnects on transient errors (backoff
 * 100 ms doubling to 10 s, with jitter, reset by data). A non-retryable error (NOT_FOUND, PERMISSION_DENIED …) stops
 * it and is reported; so is the third transient failure in a row (the stream keeps retrying then).
 * Settling never goes through the stream (see settler.ts).
 *
 * @example
 * ```ts
 * const stream = new PullStream({ clients, subscriptionId: 'billing', leaseSeconds: 30, maxOutstanding: 8,
 *   onMessages: (path, messages) => buffer.push(...messages), onFailure: (error) => (failure = error) });
 * stream.start();
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/pubsub';
import type { OmnibusError } from '../../core/errors.js';
import type { ClientSet, SubscriberApi } from './clients.js';
import { GrpcCode, grpcCode, isRetryableGrpc, toOmnibusError } from './errors.js';
import { STREAM_KEEPALIVE_MS } from './limits.js';
import { subscriptionPath } from './names.js';

/** A message as the stream delivers it. */
export type ReceivedMessage = protos.google.pubsub.v1.IReceivedMessage;
type PullResponse = protos.google.pubsub.v1.IStreamingPullResponse;
type Stream = ReturnType<SubscriberApi['streamingPull']>;

/** Transient failures in a row after which the stream reports the last one. */
const FAILURES_BEFORE_REPORT = 3;
/** Reconnect backoff: first delay, in ms. */
const RECONNECT_MIN_MS = 100;
/** Reconnect backoff: longest delay, in ms. */
const RECONNECT_MAX_MS = 10_000;

/** What a stream needs. */
export interface PullStreamOptions {
  readonly clients: () => Promise<ClientSet>;
  readonly subscriptionId: string;
  /** Stream ack deadline, already within 10–600 s. */
  readonly leaseSeconds: number;
  readonly maxOutstanding: number;
  /** Messages from the stream, with the subscription's full resource name. */
  readonly onMessages: (path: string, messages: readonly ReceivedMessage[]) => void;
  /** A failure to report; `stopped` is true when the stream gave up (non-retryable) until started again. */
  readonly onFailure: (error: OmnibusError, stopped: boolean) => void;
}

/** A self-reconnecting streaming pull; see the module notes. */
export class PullStream {
  readonly #o: PullStreamOptions;
  readonly #clientId = randomUUID();
  #stream: Stream | undefined;
  /** Bumped whenever the current stream is given up; events of older streams are ignored. */
  #generation = 0;
  #state: 'stopped' | 'connecting' | 'open' | 'backoff' = 'stopped';
  #failures = 0;
  #reconnect: NodeJS.Timeout | undefined;
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: PullStreamOptions) {
    this.#o = options;
  }

  /** True until `start` is needed again (never started, stopped, or gave up after a non-retryable error). */
  get stopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Opens the stream (no-op when it is already open or reconnecting). */
  start(): void {
    if (this.#state === 'stopped') this.#connect();
  }

  /** Closes the stream for good (until `start`). */
  stop(): void {
    this.#state = 'stopped';
    this.#drop();
    clearTimeout(this.#reconnect);
  }

  #connect(): void {
    const generation = ++this.#generation;
    this.#state = 'connecting';
    this.#o.clients().then(
      ({ subscriber, projectId }) => {
        if (generation !== this.#generation) return;
        this.#open(generation, subscriber, subscriptionPath(projectId, this.#o.subscriptionId));
      },
      (error: unknown) => this.#ended(generation, error),
    );
  }

  #open(generation: number, subscriber: SubscriberApi, path: string): void {
    let stream: Stream;
    try {
      stream = subscriber.streamingPull();
    } catch (error) {
      this.#ended(generation, error);
      return;
    }
    this.#stream = stream;
    this.#state = 'open';
    stream.on('data', (response: PullResponse) => {
      if (generation !== this.#generation) return;
      this.#failures = 0;
      const messages = response.receivedMessages ?? [];
      if (messages.length > 0) this.#o.onMessages(path, messages);
    });
    stream.on('error', (error: unknown) => this.#ended(generation, error));
    stream.on('end', () => this.#ended(generation, undefined));
    stream.write({
      subscription: path,
      streamAckDeadlineSeconds: this.#o.leaseSeconds,
      maxOutstandingMessages: this.#o.maxOutstanding,
      clientId: this.#clientId,
    });
    this.#keepAlive = setInterval(() => {
      if (generation === this.#generation) stream.write({});
    }, STREAM_KEEPALIVE_MS);
    this.#keepAlive.unref();
  }

  /** The current stream ended (an error, or the server closed it): reconnect, or report and stop. */
  #ended(generation: number, error: unknown): void {
    if (generation !== this.#generation || this.#state === 'stopped') return;
    this.#drop();
    const entity = `subscription "${this.#o.subscriptionId}"`;
    if (error !== undefined && !isRetryableGrpc(error)) {
      this.#state = 'stopped';
      this.#o.onFailure(toOmnibusError(error, 'streaming pull', entity), true);
      return;
    }
    if (error === undefined || grpcCode(error) === GrpcCode.DEADLINE_EXCEEDED) this.#failures = 0;
    else this.#failures++;
    if (this.#failures >= FAILURES_BEFORE_REPORT) {
      this.#o.onFailure(toOmnibusError(error, 'streaming pull', entity), false);
    }
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.max(0, this.#failures - 1));
    this.#state = 'backoff';
    this.#reconnect = setTimeout(
      () => {
        if (this.#state === 'backoff') this.#connect();
      },
      base / 2 + (Math.random() * base) / 2,
    );
  }

  /** Gives up the current stream (its late events are ignored). */
  #drop(): void {
    this.#generation++;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) {
      try {
        stream.cancel();
      } catch {
        // already finished
      }
    }
  }
}
