// Tells whether a TCP port on 127.0.0.1 can be listened on right now.
import { createServer } from 'node:net';

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
