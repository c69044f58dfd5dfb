import { createServer } from 'node:net';

/** Loopback address every emulator binds to. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the OS for a free TCP port on {@link LOOPBACK} (listen on port 0, read it, close).
 * Another process may take it before the emulator binds: callers retry on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS returned no port'))));
    });
  });
}

/** True when nothing listens on `port` of {@link LOOPBACK} (a fixed port can be used). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}
