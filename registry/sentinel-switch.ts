import { Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from './redis-url.ts';

/** Where the Sentinels are and how to talk to them. */
export interface SentinelSwitchOptions {
  /** Master group name whose `+switch-master` matters. */
  name: string;
  sentinels: RedisNode[];
  /** Options of each Sentinel connection (password, TLS, retry strategy). */
  connection: RedisOptions;
}

/** For this long after a switch, reconnects retry every SWITCH_RETRY_MS (Sentinels agree within ~1 s). */
const SWITCH_WINDOW_MS = 5000;
const SWITCH_RETRY_MS = 100;

/**
 * Reconnects a Sentinel deployment's clients as soon as the Sentinels announce a new master.
 *
 * Why: ioredis reconnects on its backoff timer (100 ms doubling to 5 s), and each attempt asks a
 * Sentinel for the master; until the failover ends the Sentinels still name the dead one, so the
 * first attempt after the promotion came 2.4–2.8 s late (issue 20). Sentinels publish
 * `+switch-master <name> <old ip> <old port> <new ip> <new port>` on their own pub/sub the moment
 * they switch (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#pubsub-messages):
 * a client waiting for its timer connects now (`connect()` is allowed while `reconnecting`; the
 * timer's later attempt then finds it connected and does nothing), and a client still on the old
 * master (a failover the old master survived, now a replica) reconnects through the Sentinels.
 *
 * One subscription per Sentinel for every client the connector made; it ends with the last client.
 */
export class SentinelSwitchWatcher {
  private readonly clients = new Set<Redis>();
  private subscribers: Redis[] = [];
  /** When the last `+switch-master` of our master arrived (ms), or undefined. */
  private switchedAt: number | undefined;

  constructor(private readonly options: SentinelSwitchOptions) {}

  /** Watches `client` until it ends; starts the Sentinel subscriptions with the first one. */
  track(client: Redis): void {
    this.clients.add(client);
    client.once('end', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
    if (this.subscribers.length === 0) this.start();
  }

  private start(): void {
    this.subscribers = this.options.sentinels.map((node) => {
      const sub = new Redis({
        ...this.options.connection,
        host: node.host,
        port: node.port,
        // Queue SUBSCRIBE until connected, and resubscribe after a reconnect.
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
      });
      // A Sentinel that is down is the others' job to cover; errors are expected and not fatal.
      sub.on('error', () => {});
      sub.on('message', (_channel: string, message: string) => {
        const [name, , , host, port] = message.split(' ');
        if (name === this.options.name && host && port) this.switched({ host, port: Number(port) });
      });
      sub.subscribe('+switch-master').catch(() => undefined);
      return sub;
    });
  }

  private stop(): void {
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers = [];
  }

  /**
   * The reconnect delay to use instead of the backoff shortly after a switch, or undefined. Each
   * Sentinel announces the switch when it updates its own view, so a reconnect made on the first
   * announcement may be told the old master by a Sentinel that has not switched yet; it is then
   * retried at once rather than after a long backoff.
   */
  retryDelayAfterSwitch(now = Date.now()): number | undefined {
    return this.switchedAt !== undefined && now - this.switchedAt < SWITCH_WINDOW_MS
      ? SWITCH_RETRY_MS
      : undefined;
  }

  /** The master moved: every client connects to it now instead of at its next backoff tick. */
  private switched(master: RedisNode): void {
    this.switchedAt = Date.now();
    for (const client of this.clients) {
      if (client.status === 'reconnecting') client.connect().catch(() => undefined);
      else if (client.status === 'ready' && !connectedTo(client, master)) client.disconnect(true);
    }
  }
}

/** Whether a ready client's socket goes to `node` (several Sentinels announce one switch). */
function connectedTo(client: Redis, node: RedisNode): boolean {
  const socket = (client as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  return socket?.remotePort === node.port && socket.remoteAddress?.replace(/^::ffff:/, '') === node.host;
}
