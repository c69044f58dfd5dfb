/**
 * The machine a run happened on, for the report: CPU model and count, memory, OS, Node version, date, and the
 * load average at the start and end (a shared machine's other work shows up there, and in the spread of every
 * figure).
 *
 * @example
 * ```ts
 * const m = machineInfo(); // { cpu: 'AMD EPYC …', cores: 2, node: 'v20.20.2', … }
 * ```
 * @module
 */
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

/** A description of the machine. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average when sampled. */
  readonly load: number;
}

/**
 * Samples the machine now.
 *
 * @example
 * ```ts
 * machineInfo().cores; // 2
 * ```
 */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    load: loadavg()[0] ?? 0,
  };
}
