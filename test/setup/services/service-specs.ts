import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Ready, ServiceName } from '../emulator-types.js';
import { installRedis, mayInstallRedis } from './install-redis.js';
import { findInCloudSdk, isReadable, javaCommand, which } from './locate.js';
import { LOOPBACK } from './ports.js';
import type { Probe } from './readiness.js';

/** A command line to run one emulator. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** What a spec may use while locating and describing its service. */
export interface SpecContext {
  /** A directory of its own for data and logs. */
  readonly dir: string;
  /** Project id given to the Google emulators. */
  readonly projectId: string;
  /** File for install logs. */
  readonly logFile: string;
}

/** How to find, start, probe and describe one service. */
export interface ServiceSpec<K extends ServiceName> {
  readonly name: K;
  /** Human name for messages. */
  readonly title: string;
  /** Port used by `npm run emulators`. */
  readonly defaultPort: number;
  /** How long to wait for the first answer. */
  readonly readyTimeoutMs: number;
  /** Environment variable that points at an instance the user already runs. */
  readonly envVar?: string;
  /** Reads {@link envVar}'s value. */
  fromEnv?(value: string, context: SpecContext): { readonly info: Ready<K>; readonly probe: Probe };
  /** A launcher for a given port, or a one-line reason why the service cannot be started here. */
  locate(context: SpecContext): Promise<((port: number) => Launch) | string>;
  /** How to tell the started service answers. */
  probe(port: number): Probe;
  /** Configuration handed to tests. */
  info(port: number, context: SpecContext): Ready<K>;
}

const JAVA_MISSING =
  'java not found (the Google emulators need Java 11+): apt-get install openjdk-17-jre-headless';

const aws: ServiceSpec<'aws'> = {
  name: 'aws',
  title: 'moto (AWS)',
  defaultPort: 4566,
  readyTimeoutMs: 60_000,
  envVar: 'AWS_ENDPOINT_URL',
  fromEnv: (value) => ({
    info: {
      endpoint: value,
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    },
    probe: { kind: 'http', url: value },
  }),
  async locate() {
    const moto = which('moto_server');
    if (!moto)
      return "moto_server not found: pip install 'moto[server]', or point AWS_ENDPOINT_URL at LocalStack";
    return (port) => ({ command: moto, args: ['-H', LOOPBACK, '-p', String(port)] });
  },
  probe: (port) => ({ kind: 'http', url: `http://${LOOPBACK}:${port}/moto-api/` }),
  info: (port) => ({ endpoint: `http://${LOOPBACK}:${port}`, region: 'us-east-1' }),
};

const pubsub: ServiceSpec<'pubsub'> = {
  name: 'pubsub',
  title: 'Pub/Sub emulator',
  defaultPort: 8085,
  readyTimeoutMs: 60_000,
  envVar: 'PUBSUB_EMULATOR_HOST',
  fromEnv: (value, context) => ({
    info: { host: value, projectId: process.env.PUBSUB_PROJECT_ID ?? context.projectId },
    probe: { kind: 'http', url: `http://${value}/` },
  }),
  async locate(context) {
    const java = javaCommand();
    if (!java) return JAVA_MISSING;
    const launcher = await findInCloudSdk('platform/pubsub-emulator/bin/cloud-pubsub-emulator');
    if (launcher) return (port) => ({ command: launcher, args: [`--host=${LOOPBACK}`, `--port=${port}`] });
    const gcloud = which('gcloud');
    if (!gcloud) {
      return 'Pub/Sub emulator not found: install the Google Cloud CLI with its pubsub-emulator component (apt-get install google-cloud-cli-pubsub-emulator), or set PUBSUB_EMULATOR_HOST';
    }
    return (port) => ({
      command: gcloud,
      args: [
        '--quiet',
        'beta',
        'emulators',
        'pubsub',
        'start',
        `--host-port=${LOOPBACK}:${port}`,
        `--project=${context.projectId}`,
        `--data-dir=${context.dir}`,
      ],
    });
  },
  probe: (port) => ({ kind: 'http', url: `http://${LOOPBACK}:${port}/` }),
  info: (port, context) => ({ host: `${LOOPBACK}:${port}`, projectId: context.projectId }),
};

const firestore: ServiceSpec<'firestore'> = {
  name: 'firestore',
  title: 'Firestore emulator',
  defaultPort: 8086,
  readyTimeoutMs: 60_000,
  envVar: 'FIRESTORE_EMULATOR_HOST',
  fromEnv: (value, context) => ({
    info: { host: value, projectId: process.env.GOOGLE_CLOUD_PROJECT ?? context.projectId },
    probe: { kind: 'http', url: `http://${value}/` },
  }),
  async locate() {
    const java = javaCommand();
    if (!java) return JAVA_MISSING;
    const jar = await findInCloudSdk('platform/cloud-firestore-emulator/cloud-firestore-emulator.jar');
    if (jar) {
      // What the SDK's `cloud_firestore_emulator` script runs, without the shell in between.
      return (port) => ({
        command: java,
        args: [
          '-Duser.language=en',
          '-cp',
          jar,
          'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
          'start',
          `--host=${LOOPBACK}`,
          `--port=${port}`,
          '--database-mode=firestore-native',
        ],
      });
    }
    const gcloud = which('gcloud');
    if (!gcloud) {
      return 'Firestore emulator not found: install the Google Cloud CLI with its cloud-firestore-emulator component (apt-get install google-cloud-cli-firestore-emulator), or set FIRESTORE_EMULATOR_HOST';
    }
    return (port) => ({
      command: gcloud,
      args: ['--quiet', 'emulators', 'firestore', 'start', `--host-port=${LOOPBACK}:${port}`],
    });
  },
  probe: (port) => ({ kind: 'http', url: `http://${LOOPBACK}:${port}/` }),
  info: (port, context) => ({ host: `${LOOPBACK}:${port}`, projectId: context.projectId }),
};

const redis: ServiceSpec<'redis'> = {
  name: 'redis',
  title: 'Redis',
  defaultPort: 6379,
  readyTimeoutMs: 20_000,
  envVar: 'REDIS_URL',
  fromEnv: (value) => {
    const url = new URL(value);
    return {
      info: { url: value },
      probe: { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) },
    };
  },
  async locate(context) {
    let server = which('redis-server');
    if (!server && mayInstallRedis()) server = await installRedis(context.logFile);
    if (!server) {
      return 'redis-server not found: apt-get install redis-server (macOS: brew install redis), or set REDIS_URL';
    }
    const command = server;
    return (port) => ({
      command,
      args: [
        '--port',
        String(port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        context.dir,
      ],
    });
  },
  probe: (port) => ({ kind: 'tcp', host: LOOPBACK, port }),
  info: (port) => ({ url: `redis://${LOOPBACK}:${port}` }),
};

/** Azurite's fixed development account (documented, public). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const azurite: ServiceSpec<'azurite'> = {
  name: 'azurite',
  title: 'Azurite table service',
  defaultPort: 10002,
  readyTimeoutMs: 30_000,
  async locate() {
    let main: string;
    try {
      main = join(
        dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
        'dist/src/table/main.js',
      );
    } catch {
      return 'azurite not installed: run npm install (it is a devDependency)';
    }
    if (!isReadable(main)) return `azurite table entry point missing (${main}): reinstall azurite`;
    return (port) => ({
      command: process.execPath,
      args: [
        main,
        '--tableHost',
        LOOPBACK,
        '--tablePort',
        String(port),
        '--inMemoryPersistence',
        '--skipApiVersionCheck',
        '--disableTelemetry',
        '--silent',
      ],
    });
  },
  probe: (port) => ({ kind: 'http', url: `http://${LOOPBACK}:${port}/${DEV_ACCOUNT}/Tables` }),
  info: (port) => {
    const tableEndpoint = `http://${LOOPBACK}:${port}/${DEV_ACCOUNT}`;
    return {
      tableEndpoint,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${tableEndpoint};`,
    };
  },
};

/** Every service the project can start, by name. */
export const SERVICE_SPECS: { readonly [K in ServiceName]: ServiceSpec<K> } = {
  aws,
  pubsub,
  firestore,
  redis,
  azurite,
};
