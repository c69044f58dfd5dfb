/**
 * `npm run emulators [-- --only aws,gcp]`: runs the local emulators in the foreground on their usual ports, prints
 * the environment to point the SDKs (or `npm test`) at them, and stops everything on Ctrl-C / SIGTERM.
 *
 * | service | where |
 * |---|---|
 * | moto (SQS, SNS, DynamoDB) | 127.0.0.1:4566 |
 * | Pub/Sub emulator | 127.0.0.1:8085 |
 * | Firestore emulator | 127.0.0.1:8086 |
 * | Redis | 127.0.0.1:6379 |
 * | Azurite table service | 127.0.0.1:10002 |
 * | Azure Service Bus twin (AMQP) | 127.0.0.1:5672 |
 *
 * Process management is shared with the test global setup (`test/setup/services/`).
 */
import { type Emulators, isMissing, SERVICE_NAMES } from '../test/setup/emulator-types.js';
import { createLogDir } from '../test/setup/services/log-dir.js';
import { isPortFree, LOOPBACK } from '../test/setup/services/ports.js';
import { parseSelection } from '../test/setup/services/selection.js';
import { missingLines, startServices, summaryLine } from '../test/setup/services/start-services.js';

const PROJECT_ID = 'omnibus-local';
const SERVICEBUS_PORT = 5672;
const TWIN_MODULE = '../twin/servicebus/index.js';

/** What `startServiceBusTwin` (twin/servicebus) resolves with. */
interface ServiceBusTwin {
  readonly connectionString: string;
  close(): Promise<void>;
}

type StartServiceBusTwin = (options: {
  host: string;
  port: number;
  autoCreate: boolean;
}) => Promise<ServiceBusTwin>;

const USAGE = `usage: npm run emulators [-- --only LIST]
  --only LIST   comma list of aws, pubsub, firestore, redis, azurite, servicebus, or the groups gcp, azure
                (default: all)`;

function parseArgs(argv: readonly string[]): { only: string | undefined } {
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--only') {
      only = argv[++i];
      if (only === undefined) fail('--only needs a list');
    } else if (arg.startsWith('--only=')) {
      only = arg.slice('--only='.length);
    } else {
      fail(`unknown argument ${arg}`);
    }
  }
  return { only };
}

function fail(message: string): never {
  console.error(`emulators: ${message}\n${USAGE}`);
  process.exit(2);
}

/** Starts the Service Bus twin in this process, or explains why it cannot. */
async function startTwin(): Promise<ServiceBusTwin | string> {
  let module: { startServiceBusTwin?: StartServiceBusTwin };
  try {
    module = (await import(TWIN_MODULE)) as typeof module;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes('twin/servicebus/index')) {
      return 'the Service Bus twin is not there yet (twin/servicebus/index.ts)';
    }
    return `the Service Bus twin failed to load: ${message}`;
  }
  if (typeof module.startServiceBusTwin !== 'function') {
    return 'twin/servicebus/index.ts does not export startServiceBusTwin';
  }
  if (!(await isPortFree(SERVICEBUS_PORT))) {
    return `port ${SERVICEBUS_PORT} is already in use (another \`npm run emulators\`?)`;
  }
  try {
    // Entities are created on first use, so `OMNIBUS_ADAPTER=azure npm start` (provisioner 'verify') finds them.
    return await module.startServiceBusTwin({ host: LOOPBACK, port: SERVICEBUS_PORT, autoCreate: true });
  } catch (error) {
    return `the Service Bus twin failed to start: ${(error as Error).message}`;
  }
}

/** Shell-quotes a value when it needs it (connection strings hold `;`). */
function shellValue(value: string): string {
  return /^[\w./:@,+-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export` lines for everything that is up. */
function environment(emulators: Emulators, twin: ServiceBusTwin | undefined): string[] {
  const groups: Array<Array<[string, string]>> = [];
  const { aws, pubsub, firestore, redis, azurite } = emulators;
  if (!isMissing(aws)) {
    groups.push([
      ['AWS_ENDPOINT_URL', aws.endpoint],
      ['AWS_REGION', aws.region],
      ['AWS_ACCESS_KEY_ID', 'test'],
      ['AWS_SECRET_ACCESS_KEY', 'test'],
    ]);
  }
  if (!isMissing(pubsub)) {
    groups.push([
      ['PUBSUB_EMULATOR_HOST', pubsub.host],
      ['PUBSUB_PROJECT_ID', pubsub.projectId],
      ['GOOGLE_CLOUD_PROJECT', pubsub.projectId],
    ]);
  }
  if (!isMissing(firestore)) {
    groups.push([['FIRESTORE_EMULATOR_HOST', firestore.host]]);
    if (isMissing(pubsub)) groups.push([['GOOGLE_CLOUD_PROJECT', firestore.projectId]]);
  }
  if (!isMissing(redis)) groups.push([['REDIS_URL', redis.url]]);
  if (!isMissing(azurite)) groups.push([['AZURE_TABLES_CONNECTION_STRING', azurite.connectionString]]);
  if (twin) groups.push([['SERVICEBUS_CONNECTION_STRING', twin.connectionString]]);
  return groups.map(
    (group) => `export ${group.map(([name, value]) => `${name}=${shellValue(value)}`).join(' ')}`,
  );
}

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  let selected: ReturnType<typeof parseSelection>;
  try {
    selected = parseSelection(only, '--only');
  } catch (error) {
    fail((error as Error).message);
  }
  const wanted = new Set(SERVICE_NAMES.filter((name) => selected.has(name)));
  const [running, twinOrReason] = await Promise.all([
    startServices({
      wanted,
      leftOutReason: 'not selected by --only',
      logDir: createLogDir(),
      projectId: PROJECT_ID,
      fixedPorts: true,
      useEnv: false,
    }),
    selected.has('servicebus') ? startTwin() : Promise.resolve(undefined),
  ]);
  const twin = typeof twinOrReason === 'object' ? twinOrReason : undefined;
  const problems = missingLines(running, true);
  if (typeof twinOrReason === 'string') problems.push(`servicebus: ${twinOrReason}`);

  console.log(summaryLine(running) + (twin ? `; servicebus twin on ${LOOPBACK}:${SERVICEBUS_PORT}` : ''));
  for (const line of problems) console.warn(`not started: ${line}`);
  if (running.processes.length === 0 && !twin) {
    console.error('emulators: nothing is running.');
    process.exit(1);
  }
  console.log(`\n${environment(running.emulators, twin).join('\n')}\n\nCtrl-C stops everything.`);

  let stopping = false;
  const keepAlive = setInterval(() => {}, 1 << 30);
  for (const service of running.processes) {
    void service.exited.then((code) => {
      if (!stopping)
        console.error(
          `emulators: ${service.name} exited unexpectedly (code ${code}); log: ${service.logFile}`,
        );
    });
  }
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      console.error('emulators: forced exit');
      process.exit(130);
    }
    stopping = true;
    console.log(`\nemulators: ${signal}, stopping…`);
    await Promise.all([running.stop(), twin?.close().catch(() => undefined)]);
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

await main();
