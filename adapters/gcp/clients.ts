/**
 * The Pub/Sub clients one driver uses, created on first use: `@google-cloud/pubsub` is imported lazily (it is
 * heavy), so creating a driver costs nothing until it provisions, sends or receives.
 *
 * - The high-level `PubSub` publishes (its batching and ordered publishing with `resumePublishing`).
 * - The GAPIC `v1.SubscriberClient` / `v1.PublisherClient`, built from `pubsub.getClientConfig()` (the documented
 *   way), do streaming pull, acknowledge, modifyAckDeadline and the admin calls.
 *
 * The project id and credentials come the client's usual way (options, `GOOGLE_APPLICATION_CREDENTIALS`,
 * metadata server, `GOOGLE_CLOUD_PROJECT`); `PUBSUB_EMULATOR_HOST` (and `PUBSUB_PROJECT_ID`) are honoured by the
 * client itself.
 *
 * @example
 * ```ts
 * const clients = new GcpClients({ projectId: 'my-project' });
 * const { subscriber, projectId } = await clients.get();
 * ```
 * @module
 */
import type { ClientConfig, PubSub, v1 } from '@google-cloud/pubsub';
import { ConfigurationError } from '../../core/errors.js';

/** The GAPIC subscriber client. */
export type SubscriberApi = InstanceType<typeof v1.SubscriberClient>;
/** The GAPIC publisher client (admin calls on topics). */
export type PublisherApi = InstanceType<typeof v1.PublisherClient>;

/** How the driver reaches Pub/Sub. */
export interface GcpClientOptions {
  /** Google Cloud project id; default: the client's discovery (env, credentials, metadata server). */
  readonly projectId?: string;
  /**
   * A `PubSub` client you created and own: the driver uses its configuration and never closes it. Without it the
   * driver creates (and closes) its own.
   */
  readonly pubsub?: PubSub;
  /** `host:port` of the API, e.g. an emulator (default: `PUBSUB_EMULATOR_HOST`, else Google's endpoint). */
  readonly apiEndpoint?: string;
  /** Force emulator mode (plain-text channel, no credentials); default: on for non-Google endpoints. */
  readonly emulatorMode?: boolean;
  /** More `PubSub` constructor options (credentials, keyFilename, grpc settings …). */
  readonly clientConfig?: ClientConfig;
}

/** Everything the driver calls. */
export interface ClientSet {
  readonly pubsub: PubSub;
  readonly subscriber: SubscriberApi;
  readonly publisher: PublisherApi;
  readonly projectId: string;
}

/** Lazily created, shared clients of one driver. */
export class GcpClients {
  readonly #options: GcpClientOptions;
  #ready: Promise<ClientSet> | undefined;
  #closed = false;

  constructor(options: GcpClientOptions) {
    this.#options = options;
  }

  /** The clients, created on the first call. */
  get(): Promise<ClientSet> {
    if (this.#closed) return Promise.reject(new ConfigurationError('driver', 'the gcp driver is closed'));
    if (!this.#ready) {
      const ready = this.#create();
      this.#ready = ready;
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined; // a later call tries again
      });
    }
    return this.#ready;
  }

  async #create(): Promise<ClientSet> {
    const mod = await import('@google-cloud/pubsub');
    const o = this.#options;
    const pubsub =
      o.pubsub ??
      new mod.PubSub({
        ...o.clientConfig,
        ...(o.projectId === undefined ? {} : { projectId: o.projectId }),
        ...(o.apiEndpoint === undefined ? {} : { apiEndpoint: o.apiEndpoint }),
        ...(o.emulatorMode === undefined ? {} : { emulatorMode: o.emulatorMode }),
      });
    let config: ClientConfig;
    try {
      config = await pubsub.getClientConfig();
    } catch (cause) {
      throw new ConfigurationError(
        'projectId',
        'could not determine the Google Cloud project; pass gcp({ projectId }) or set GOOGLE_CLOUD_PROJECT',
        { cause },
      );
    }
    const projectId = pubsub.projectId;
    if (!projectId || projectId.includes('{{')) {
      throw new ConfigurationError(
        'projectId',
        'is not set; pass gcp({ projectId }) or set GOOGLE_CLOUD_PROJECT (PUBSUB_PROJECT_ID with the emulator)',
      );
    }
    // ClientConfig is what the GAPIC constructors take (the client's documented use); only the optional-property
    // typing differs under exactOptionalPropertyTypes.
    const gapic = config as ConstructorParameters<typeof mod.v1.SubscriberClient>[0];
    return {
      pubsub,
      subscriber: new mod.v1.SubscriberClient(gapic),
      publisher: new mod.v1.PublisherClient(gapic),
      projectId,
    };
  }

  /** Closes the GAPIC clients, and the `PubSub` client unless the caller passed it in. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ready = this.#ready;
    if (!ready) return;
    let set: ClientSet;
    try {
      set = await ready;
    } catch {
      return;
    }
    await Promise.allSettled([set.subscriber.close(), set.publisher.close()]);
    if (!this.#options.pubsub) await set.pubsub.close();
  }
}
