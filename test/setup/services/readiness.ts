import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceProcess } from './service-process.js';

/** How to tell that a service answers: any HTTP response, or an accepted TCP connection. */
export type Probe =
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** Result of {@link waitUntilReady}. */
export type Readiness =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly exitCode?: number | null };

/** One attempt: resolves true when the probe got an answer within `timeoutMs`. */
export function probeOnce(probe: Probe, timeoutMs = 2000): Promise<boolean> {
  return probe.kind === 'http'
    ? httpAnswers(probe.url, timeoutMs)
    : tcpAccepts(probe.host, probe.port, timeoutMs);
}

/**
 * Polls `probe` until it answers, `timeoutMs` passes, or `service` (when given) exits first.
 */
export async function waitUntilReady(
  probe: Probe,
  timeoutMs: number,
  service?: ServiceProcess,
): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let pause = 50;
  while (Date.now() < deadline) {
    if (service && !service.running()) {
      const exitCode = await service.exited;
      return { ok: false, reason: `exited with code ${exitCode} before answering`, exitCode };
    }
    if (await probeOnce(probe, Math.min(2000, Math.max(100, deadline - Date.now())))) return { ok: true };
    await delay(pause);
    pause = Math.min(pause * 2, 250);
  }
  return {
    ok: false,
    reason: `did not answer on ${describe(probe)} within ${Math.round(timeoutMs / 1000)} s`,
  };
}

function describe(probe: Probe): string {
  return probe.kind === 'http' ? probe.url : `${probe.host}:${probe.port}`;
}

function httpAnswers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      agent: false,
      timeout: timeoutMs,
      rejectUnauthorized: false,
    });
    request.once('response', (response) => {
      response.resume();
      request.destroy();
      resolve(true);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
    request.once('close', () => resolve(false));
    request.end();
  });
}

function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
