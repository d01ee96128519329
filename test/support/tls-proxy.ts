// A TLS-terminating proxy on 127.0.0.1 that demands a client certificate signed by a given CA (ALPN h2) and pipes each connection to a plaintext TCP port.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxyOptions {
  /** Where decrypted traffic goes, host:port (e.g. a Temporal dev server's gRPC port). */
  target: string;
  /** PEM files: the proxy's certificate and key, and the CA its clients' certificates must chain to. */
  certFile: string;
  keyFile: string;
  clientCaFile: string;
}

export interface RunningTlsProxy {
  /** 127.0.0.1:<port> */
  address: string;
  port: number;
  /** Why each refused handshake was refused (OpenSSL's reason, e.g. "peer did not return a certificate"), in order. */
  readonly refusals: readonly string[];
  /** How many connections passed the handshake and were piped to the target. */
  readonly accepted: number;
  stop(): Promise<void>;
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<RunningTlsProxy> {
  const [host, port] = splitAddress(options.target);
  const refusals: string[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer(
    {
      cert: readFileSync(options.certFile),
      key: readFileSync(options.keyFile),
      ca: readFileSync(options.clientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client: TLSSocket) => {
      accepted += 1;
      track(client);
      const upstream = connect({ host, port });
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    },
  );
  server.on('connection', track);
  server.on('tlsClientError', (err: Error & { reason?: string }, socket: TLSSocket) =>
    // An untrusted client certificate fails after OpenSSL's handshake: Node then hangs up, and authorizationError says why.
    refusals.push(socket.authorizationError ? `client certificate refused: ${String(socket.authorizationError)}` : (err.reason ?? err.message)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${listening}`,
    port: listening,
    refusals,
    get accepted() {
      return accepted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) throw new Error(`tls proxy target must be host:port, got ${JSON.stringify(address)}`);
  return [match[1].replace(/^\[(.*)\]$/, '$1'), Number(match[2])];
}
