import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Emulators,
  type Missing,
  type Ready,
  SERVICE_NAMES,
  type ServiceName,
} from '../emulator-types.js';
import { tail } from './log-dir.js';
import { freePort, isPortFree } from './ports.js';
import { waitUntilReady } from './readiness.js';
import { type ServiceProcess, spawnService } from './service-process.js';
import { SERVICE_SPECS, type ServiceSpec, type SpecContext } from './service-specs.js';

/** Options of {@link startServices}. */
export interface StartOptions {
  /** Services to provide; the others are recorded as missing with {@link StartOptions.leftOutReason}. */
  readonly wanted: ReadonlySet<ServiceName>;
  /** Reason recorded for services not in {@link StartOptions.wanted}. */
  readonly leftOutReason: string;
  /** Directory for logs and emulator data (see `createLogDir`). */
  readonly logDir: string;
  /** Project id for the Google emulators. */
  readonly projectId: string;
  /** Use each service's default port (4566, 8085, …) instead of free ones. */
  readonly fixedPorts: boolean;
  /** Use an instance named by the user's environment (`AWS_ENDPOINT_URL`, `REDIS_URL`, …) when set. */
  readonly useEnv: boolean;
}

/** What happened to one service. */
export interface ServiceOutcome {
  readonly name: ServiceName;
  readonly title: string;
  /** `started` by us, `external` (from the environment), `missing` (wanted, unavailable), `left-out` (not wanted). */
  readonly status: 'started' | 'external' | 'missing' | 'left-out';
  /** Milliseconds from the start of {@link startServices} until it answered. */
  readonly ms?: number;
  /** One line, for `missing` and `left-out`; the environment variable used, for `external`. */
  readonly note?: string;
  /** Tail of the service's log when it failed after starting. */
  readonly logTail?: string;
}

/** Running services: their configuration, what happened, and how to stop them. */
export interface RunningServices {
  readonly emulators: Emulators;
  readonly outcomes: readonly ServiceOutcome[];
  /** Wall-clock time until every service answered or gave up. */
  readonly totalMs: number;
  readonly logDir: string;
  /** The processes started (not those from the environment), e.g. to notice one exiting. */
  readonly processes: readonly ServiceProcess[];
  /** Stops every process started (and its children); safe to call twice. */
  stop(): Promise<void>;
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|BindException|failed to bind/i;
const ATTEMPTS = 3;

type Result<K extends ServiceName> = {
  readonly outcome: ServiceOutcome;
  readonly config: Ready<K> | Missing;
  readonly process?: ServiceProcess;
};

/**
 * Starts the wanted services in parallel, each on a free loopback port (or its default port when
 * `fixedPorts`), and waits until each answers. Never throws for a service that cannot start: it is reported as
 * `missing` with one line saying how to get it; the caller decides whether that is fatal.
 */
export async function startServices(options: StartOptions): Promise<RunningServices> {
  const startedAt = performance.now();
  const results = await Promise.all(
    SERVICE_NAMES.map((name) =>
      startOne(SERVICE_SPECS[name], options, startedAt).catch((error: unknown): Result<ServiceName> => {
        const note = `could not be started: ${(error as Error).message}`;
        return {
          outcome: { name, title: SERVICE_SPECS[name].title, status: 'missing', note },
          config: { missing: note, requested: true },
        };
      }),
    ),
  );
  const totalMs = performance.now() - startedAt;
  const processes = results.flatMap((result) => (result.process ? [result.process] : []));
  const emulators = Object.fromEntries(
    results.map((result) => [result.outcome.name, result.config]),
  ) as Emulators;
  let stopping: Promise<void> | undefined;
  return {
    emulators,
    outcomes: results.map((result) => result.outcome),
    totalMs,
    logDir: options.logDir,
    processes,
    stop() {
      stopping ??= Promise.all(processes.map((service) => service.stop())).then(() => undefined);
      return stopping;
    },
  };
}

async function startOne<K extends ServiceName>(
  spec: ServiceSpec<K>,
  options: StartOptions,
  startedAt: number,
): Promise<Result<K>> {
  const { name, title } = spec;
  const missing = (note: string, logTail?: string): Result<K> => ({
    outcome: { name, title, status: 'missing', note, ...(logTail ? { logTail } : {}) },
    config: { missing: note, requested: true },
  });
  if (!options.wanted.has(name)) {
    return {
      outcome: { name, title, status: 'left-out', note: options.leftOutReason },
      config: { missing: options.leftOutReason, requested: false },
    };
  }
  const dir = join(options.logDir, name);
  mkdirSync(dir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const context: SpecContext = {
    dir,
    projectId: options.projectId,
    logFile: join(options.logDir, `${name}-install.log`),
  };

  const fromEnv = spec.envVar && options.useEnv ? process.env[spec.envVar] : undefined;
  if (spec.envVar && spec.fromEnv && fromEnv) {
    let external: ReturnType<NonNullable<typeof spec.fromEnv>>;
    try {
      external = spec.fromEnv(fromEnv, context);
    } catch (error) {
      return missing(
        `${spec.envVar}=${fromEnv} is not usable (${(error as Error).message}): fix or unset it`,
      );
    }
    const ready = await waitUntilReady(external.probe, 5000);
    if (!ready.ok)
      return missing(`${spec.envVar}=${fromEnv} ${ready.reason}: start that service or unset ${spec.envVar}`);
    return {
      outcome: { name, title, status: 'external', ms: performance.now() - startedAt, note: spec.envVar },
      config: external.info,
    };
  }

  const launcher = await spec.locate(context);
  if (typeof launcher === 'string') return missing(launcher);

  for (let attempt = 1; ; attempt++) {
    const port = options.fixedPorts ? spec.defaultPort : await freePort();
    if (options.fixedPorts && !(await isPortFree(port))) {
      return missing(
        `port ${port} is already in use (another \`npm run emulators\`?): stop whatever listens there`,
      );
    }
    const launch = launcher(port);
    const service = spawnService(name, launch.command, launch.args, { logFile, cwd: dir });
    const ready = await waitUntilReady(spec.probe(port), spec.readyTimeoutMs, service);
    if (ready.ok) {
      return {
        outcome: { name, title, status: 'started', ms: performance.now() - startedAt },
        config: spec.info(port, context),
        process: service,
      };
    }
    await service.stop();
    const log = readLog(logFile);
    if (!options.fixedPorts && attempt < ATTEMPTS && ADDRESS_IN_USE.test(log)) continue;
    return missing(`${title} ${ready.reason} (command: ${launch.command}; log: ${logFile})`, tail(logFile));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** One line for the console, e.g. `emulators ready in 2.1 s: aws 1.2 s, pubsub 0.9 s … (logs: /tmp/…)`. */
export function summaryLine(running: RunningServices): string {
  const parts = running.outcomes
    .filter((outcome) => outcome.status === 'started' || outcome.status === 'external')
    .map((outcome) =>
      outcome.status === 'external'
        ? `${outcome.name} (${outcome.note})`
        : `${outcome.name} ${seconds(outcome.ms ?? 0)}`,
    );
  const ready = parts.length > 0 ? parts.join(', ') : 'none';
  return `emulators ready in ${seconds(running.totalMs)}: ${ready} (logs: ${running.logDir})`;
}

/** One line per wanted-but-missing service, with the log tail when the service started and then failed. */
export function missingLines(running: RunningServices, withLogTail: boolean): string[] {
  return running.outcomes
    .filter((outcome) => outcome.status === 'missing')
    .map(
      (outcome) =>
        `${outcome.name}: ${outcome.note}${withLogTail && outcome.logTail ? `\n${outcome.logTail}` : ''}`,
    );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
