/**
 * The local services the benchmark needs, started the way `npm run emulators` and the test setup start them
 * (`test/setup/services/`): moto and the Pub/Sub emulator on free loopback ports — or the instances named by
 * `AWS_ENDPOINT_URL` / `PUBSUB_EMULATOR_HOST` when those are set (e.g. by a running `npm run emulators`) — and the
 * Service Bus twin in a process of its own (so it does not share an event loop with the parent's producer).
 *
 * @example
 * ```ts
 * const services = await startBenchServices(['aws', 'pubsub'], true);
 * services.aws; // { endpoint, region } or a reason string
 * await services.stop();
 * ```
 * @module
 */
import { isMissing } from '../../test/setup/emulator-types.js';
import { createLogDir } from '../../test/setup/services/log-dir.js';
import { startServices } from '../../test/setup/services/start-services.js';
import { bundleEntry } from './build.js';
import { startChild } from './child.js';

/** moto's address. */
export interface AwsEndpoint {
  readonly endpoint: string;
  readonly region: string;
}

/** The Pub/Sub emulator's address. */
export interface PubSubEndpoint {
  readonly host: string;
  readonly projectId: string;
}

/** The Service Bus twin's address. */
export interface ServiceBusEndpoint {
  readonly connectionString: string;
}

/** Running services; each one is its address or the reason it is not there. */
export interface BenchServices {
  readonly aws: AwsEndpoint | string;
  readonly pubsub: PubSubEndpoint | string;
  readonly servicebus: ServiceBusEndpoint | string;
  /** One line per service: where it came from. */
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

/** Services the benchmark can start. */
export type BenchService = 'aws' | 'pubsub' | 'servicebus';

/**
 * Starts the wanted services (in parallel); never throws for a service that cannot start: its entry holds the
 * reason instead.
 *
 * @example
 * ```ts
 * const { aws } = await startBenchServices(['aws'], true);
 * if (typeof aws === 'string') console.log(`not measured: ${aws}`);
 * ```
 */
export async function startBenchServices(
  wanted: readonly BenchService[],
  twinPresent: boolean,
): Promise<BenchServices> {
  const emulatorsWanted = new Set(wanted.filter((w): w is 'aws' | 'pubsub' => w === 'aws' || w === 'pubsub'));
  const [running, twin] = await Promise.all([
    startServices({
      wanted: emulatorsWanted,
      leftOutReason: 'not needed by the selected sections',
      logDir: createLogDir(),
      projectId: 'omnibus-bench',
      fixedPorts: false,
      useEnv: true,
    }),
    wanted.includes('servicebus')
      ? startTwin(twinPresent)
      : Promise.resolve('not needed by the selected sections'),
  ]);
  const lines: string[] = [];
  const awsConfig = running.emulators.aws;
  const pubsubConfig = running.emulators.pubsub;
  const aws: AwsEndpoint | string = isMissing(awsConfig)
    ? awsConfig.missing
    : { endpoint: awsConfig.endpoint, region: awsConfig.region };
  const pubsub: PubSubEndpoint | string = isMissing(pubsubConfig)
    ? pubsubConfig.missing
    : { host: pubsubConfig.host, projectId: pubsubConfig.projectId };
  for (const outcome of running.outcomes) {
    if (outcome.status === 'left-out') continue;
    lines.push(
      `${outcome.name}: ${outcome.status}${outcome.status === 'external' ? ` (${outcome.note})` : ''}${outcome.status === 'missing' ? ` — ${outcome.note}` : ''}`,
    );
  }
  if (wanted.includes('servicebus')) {
    lines.push(`servicebus twin: ${typeof twin === 'string' ? `missing — ${twin}` : 'started'}`);
  }
  return {
    aws,
    pubsub,
    servicebus: typeof twin === 'string' ? twin : { connectionString: twin.connectionString },
    lines,
    async stop() {
      await Promise.all([running.stop(), typeof twin === 'string' ? undefined : twin.stop()]);
    },
  };
}

interface TwinHandle {
  readonly connectionString: string;
  stop(): Promise<void>;
}

async function startTwin(present: boolean): Promise<TwinHandle | string> {
  if (!present) return 'the Service Bus twin is not there yet (twin/servicebus/index.ts)';
  const built = await bundleEntry('bench/servicebus/twin-process.ts');
  if (!built.ok) return built.reason;
  let connectionString: string | undefined;
  const child = startChild<void>(
    built.file,
    {},
    {
      timeoutMs: 60 * 60_000,
      onMessage: (message) => {
        if (message.type === 'ready')
          connectionString = (message.info as { connectionString: string }).connectionString;
      },
    },
  );
  child.result.catch(() => undefined);
  const deadline = Date.now() + 20_000;
  while (connectionString === undefined && Date.now() < deadline && child.process.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (connectionString === undefined) {
    child.kill();
    const reason = await child.result.then(
      () => 'exited',
      (e: Error) => e.message,
    );
    return `the Service Bus twin did not start: ${reason}`;
  }
  return {
    connectionString,
    async stop() {
      child.send({ type: 'stop' });
      await Promise.race([child.result.catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      child.kill();
    },
  };
}
