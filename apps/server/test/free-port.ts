import { createServer } from 'node:net';

/**
 * A free port on 127.0.0.1 now (the kernel's pick), for a server of the test's own that
 * can't be told to take port 0 and say which one it got (redis-server's `--port 0` means
 * no TCP at all; nginx reads its port from a file). Another process may take it first:
 * callers that start such a server try again on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
