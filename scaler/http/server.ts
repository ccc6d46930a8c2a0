import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** The scaler's HTTP port, listening. */
export interface RunningScalerHttp {
  port: number;
  close(): Promise<void>;
}

/** Serves the scaler app on `host:port` (0 picks a free port). */
export async function startScalerHttp(app: Hono, host: string, port: number): Promise<RunningScalerHttp> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
