/**
 * `tsx scripts/servicebus-twin.ts [options]`: runs the Azure Service Bus twin in the foreground and prints the
 * connection string for `ServiceBusClient`. Stops on Ctrl-C / SIGTERM.
 *
 * @example
 * ```sh
 * tsx scripts/servicebus-twin.ts --port 5672 --config ./Config.json --auto-create
 * ```
 */
import { loadConfigFile, type ServiceBusTwinOptions, startServiceBusTwin } from '../twin/servicebus/index.js';

const USAGE = `usage: tsx scripts/servicebus-twin.ts [options]
  --host HOST          interface to listen on (default 127.0.0.1)
  --port PORT          port (default 5672; 0 = any free port)
  --config FILE        entities: the official emulator's Config.json, or a twin config ({ queues, topics })
  --tier TIER          standard (256 KB messages, default) or premium (1 MB)
  --max-message-bytes N  override the tier's maximum message size
  --sas-key NAME=KEY   check put-token SAS signatures against this key (default: accept any token)
  --lock-duration MS   default lock duration of entities that set none (default 60000)
  --auto-create        create unknown queues / topic subscriptions when a link attaches
  --verbose            log link refusals and connection events`;

function fail(message: string): never {
  console.error(`servicebus-twin: ${message}\n${USAGE}`);
  process.exit(2);
}

async function parseArgs(argv: readonly string[]): Promise<ServiceBusTwinOptions> {
  const options: ServiceBusTwinOptions = { host: '127.0.0.1', port: 5672 };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) fail(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    switch (arg) {
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      case '--host':
        options.host = value(++i, arg);
        break;
      case '--port': {
        const port = Number(value(++i, arg));
        if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('--port must be 0–65535');
        options.port = port;
        break;
      }
      case '--config':
        options.entities = await loadConfigFile(value(++i, arg));
        break;
      case '--tier': {
        const tier = value(++i, arg);
        if (tier !== 'standard' && tier !== 'premium') fail('--tier must be standard or premium');
        options.tier = tier;
        break;
      }
      case '--max-message-bytes':
        options.maxMessageBytes = Number(value(++i, arg));
        break;
      case '--sas-key': {
        const [name, ...rest] = value(++i, arg).split('=');
        if (!name || rest.length === 0) fail('--sas-key takes NAME=KEY');
        options.sasKey = { name, key: rest.join('=') };
        break;
      }
      case '--lock-duration':
        options.lockDurationMs = Number(value(++i, arg));
        break;
      case '--auto-create':
        options.autoCreate = true;
        break;
      case '--verbose':
        options.logger = {
          debug: (m) => console.log(`[debug] ${m}`),
          info: (m) => console.log(`[info] ${m}`),
          warn: (m) => console.warn(`[warn] ${m}`),
          error: (m) => console.error(`[error] ${m}`),
        };
        break;
      default:
        fail(`unknown argument ${arg}`);
    }
  }
  options.logger ??= {
    warn: (m) => console.warn(`[warn] ${m}`),
    error: (m) => console.error(`[error] ${m}`),
  };
  return options;
}

const twin = await startServiceBusTwin(await parseArgs(process.argv.slice(2)));
const stats = twin.stats();
console.log(
  `Service Bus twin listening on ${twin.host}:${twin.port} (${stats.queues} queues, ${stats.topics} topics)`,
);
console.log(`SERVICEBUS_CONNECTION_STRING="${twin.connectionString}"`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await twin.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
