// Loopback networking helpers.
import net from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (the caller binds it next, e.g. rank 0's TCPStore). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
