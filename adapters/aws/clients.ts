/**
 * SDK loading and client configuration. The SDK modules are imported lazily on first use, so importing
 * `omnibus/aws` costs nothing until the driver talks to AWS. Configuration runs unchanged against AWS and against a
 * local emulator (LocalStack, moto):
 * - region: `options.region`, else the SDK's own chain (`AWS_REGION`, profile); `us-east-1` for a local endpoint
 *   when nothing else says.
 * - endpoint: `options.endpoint`, else `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_SNS`, else `AWS_ENDPOINT_URL`,
 *   else AWS's own.
 * - credentials: `options.credentials`, else the SDK's default chain; for a loopback endpoint with no credentials
 *   configured in the environment, the dummy pair emulators accept (`test`/`test`).
 *
 * @example
 * ```ts
 * const config = clientConfig({ endpoint: 'http://127.0.0.1:4566' }, 'SQS');
 * // { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials: { accessKeyId: 'test', … } }
 * ```
 * @module
 */
import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * The SQS SDK module.
 *
 * @example
 * ```ts
 * const sdk: SqsSdk = await import('@aws-sdk/client-sqs');
 * ```
 */
export type SqsSdk = typeof import('@aws-sdk/client-sqs');
/**
 * The SNS SDK module.
 *
 * @example
 * ```ts
 * const sdk: SnsSdk = await import('@aws-sdk/client-sns');
 * ```
 */
export type SnsSdk = typeof import('@aws-sdk/client-sns');

/**
 * Static credentials, or a provider function as the SDK accepts.
 *
 * @example
 * ```ts
 * const credentials: AwsCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
 * ```
 */
export type AwsCredentials = NonNullable<SQSClientConfig['credentials']>;

/**
 * Connection settings shared by every client the adapter creates.
 *
 * @example
 * ```ts
 * const options: AwsConnectionOptions = { region: 'eu-west-1' };
 * ```
 */
export interface AwsConnectionOptions {
  /** AWS region. Default: the SDK's chain (`AWS_REGION`, profile), or `us-east-1` for a local endpoint. */
  readonly region?: string;
  /** Endpoint URL (LocalStack, moto). Default: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`. */
  readonly endpoint?: string;
  /** Credentials. Default: the SDK's default chain (dummy ones for a loopback endpoint when none are set). */
  readonly credentials?: AwsCredentials;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', 'localstack', 'host.docker.internal']);

/**
 * True when `endpoint` points at this machine (or a `localstack` container).
 *
 * @example
 * ```ts
 * isLocalEndpoint('http://127.0.0.1:4566'); // true
 * ```
 */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return LOCAL_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * The endpoint for a service: the option, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`.
 *
 * @example
 * ```ts
 * endpointFor({}, 'DYNAMODB'); // process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL
 * ```
 */
export function endpointFor(options: AwsConnectionOptions, service: string): string | undefined {
  const env = process.env;
  const value = options.endpoint ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  return value === '' ? undefined : value;
}

/**
 * The configuration of one SDK client (see the module notes for the defaults).
 *
 * @example
 * ```ts
 * new SQSClient(clientConfig(options, 'SQS'));
 * ```
 */
export function clientConfig(
  options: AwsConnectionOptions,
  service: string,
): { region?: string; endpoint?: string; credentials?: AwsCredentials } {
  const env = process.env;
  const endpoint = endpointFor(options, service);
  const local = isLocalEndpoint(endpoint);
  const config: { region?: string; endpoint?: string; credentials?: AwsCredentials } = {};
  if (endpoint !== undefined) config.endpoint = endpoint;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  else if (local) config.region = 'us-east-1';
  if (options.credentials !== undefined) config.credentials = options.credentials;
  else if (local && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE && !env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    config.credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  }
  return config;
}

/**
 * Lazily loaded SDK modules and clients; clients passed in by the caller are used as they are and never closed.
 *
 * @example
 * ```ts
 * const clients = new AwsClients({ region: 'eu-west-1' }, {});
 * const sqs = await clients.sqs();
 * ```
 */
export class AwsClients {
  readonly #options: AwsConnectionOptions;
  #sqsSdk: Promise<SqsSdk> | undefined;
  #snsSdk: Promise<SnsSdk> | undefined;
  #sqs: Promise<SQSClient> | undefined;
  #sns: Promise<SNSClient> | undefined;
  readonly #owned: { destroy(): void }[] = [];

  constructor(options: AwsConnectionOptions, clients: { sqs?: SQSClient; sns?: SNSClient }) {
    this.#options = options;
    if (clients.sqs) this.#sqs = Promise.resolve(clients.sqs);
    if (clients.sns) this.#sns = Promise.resolve(clients.sns);
  }

  /** The SQS SDK module. */
  sqsSdk(): Promise<SqsSdk> {
    this.#sqsSdk ??= import('@aws-sdk/client-sqs');
    return this.#sqsSdk;
  }

  /** The SNS SDK module. */
  snsSdk(): Promise<SnsSdk> {
    this.#snsSdk ??= import('@aws-sdk/client-sns');
    return this.#snsSdk;
  }

  /** The SQS client. */
  sqs(): Promise<SQSClient> {
    this.#sqs ??= this.sqsSdk().then((sdk) => {
      const client = new sdk.SQSClient(clientConfig(this.#options, 'SQS') as SQSClientConfig);
      this.#owned.push(client);
      return client;
    });
    return this.#sqs;
  }

  /** The SNS client. */
  sns(): Promise<SNSClient> {
    this.#sns ??= this.snsSdk().then((sdk) => {
      const client = new sdk.SNSClient(clientConfig(this.#options, 'SNS') as SNSClientConfig);
      this.#owned.push(client);
      return client;
    });
    return this.#sns;
  }

  /** Destroys the clients this object created. */
  close(): void {
    for (const client of this.#owned.splice(0)) client.destroy();
  }
}
