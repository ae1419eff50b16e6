/**
 * A TCP proxy in front of Redis that can cut one worker off (a network
 * partition): `cut()` drops its connections and refuses new ones until
 * `restore()`, while other clients keep talking to Redis directly.
 */
import net from 'node:net';
import { freePort } from './redis-server.js';

export interface TcpProxy {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = () => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const dropAll = () => {
    for (const s of sockets) s.destroy();
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    restore: listen,
    close: async () => {
      const closed = server.listening ? stopListening() : Promise.resolve();
      dropAll();
      await closed;
    },
  };
}
