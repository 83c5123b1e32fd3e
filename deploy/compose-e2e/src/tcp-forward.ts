import { connect, createServer, type Socket } from 'node:net';

/** Where a TCP server listens or a connection goes. */
export interface TcpAddress {
  host: string;
  port: number;
}

/** A running forwarder. */
export interface TcpForward {
  /** Stops listening and cuts the connections it carries. */
  close(): Promise<void>;
}

/**
 * Forwards every connection on `listen` to `target`, byte for byte: HTTP and WebSocket alike, with
 * the client's `Host` header untouched (the fake S3 verifies signatures over it). The fakes in
 * libs/testing listen on loopback only; this makes them reachable from other containers.
 */
export async function forwardTcp(listen: TcpAddress, target: TcpAddress): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    // Ends travel through the pipes (a half-closed side ends the other); an error ends both at once.
    client.pipe(upstream).pipe(client);
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', fail);
    upstream.once('error', fail);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
