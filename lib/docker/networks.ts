import { labelFilters } from './container-spec.ts';
import type { EngineTransport } from './transport.ts';
import type { NetworkInfo } from './types.ts';

/** Network calls of the Engine API. */
export class NetworkApi {
  readonly #t: EngineTransport;
  constructor(transport: EngineTransport) {
    this.#t = transport;
  }

  /** Creates a network (default driver `bridge`); returns its id. */
  async create(
    name: string,
    options: { driver?: string; labels?: Record<string, string>; internal?: boolean } = {},
  ): Promise<string> {
    const res = await this.#t.request(
      { action: 'create network', target: name },
      {
        method: 'POST',
        path: '/networks/create',
        json: {
          Name: name,
          Driver: options.driver ?? 'bridge',
          Labels: options.labels ?? {},
          Internal: options.internal ?? false,
          CheckDuplicate: true,
        },
      },
    );
    return (JSON.parse(res.body.toString()) as { Id: string }).Id;
  }

  /** Networks carrying every given label. */
  async list(labels: Record<string, string | true>): Promise<NetworkInfo[]> {
    const res = await this.#t.request(
      { action: 'list networks' },
      { method: 'GET', path: '/networks', query: { filters: JSON.stringify(labelFilters(labels)) } },
    );
    return (
      JSON.parse(res.body.toString()) as {
        Id: string;
        Name: string;
        Driver: string;
        Labels?: Record<string, string>;
      }[]
    ).map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver, labels: n.Labels ?? {} }));
  }

  /** Removes a network; one already gone is not an error. */
  async remove(idOrName: string): Promise<void> {
    try {
      await this.#t.request(
        { action: 'remove network', target: idOrName },
        { method: 'DELETE', path: `/networks/${encodeURIComponent(idOrName)}` },
      );
    } catch (error) {
      if ((error as { kind?: string }).kind === 'network_not_found') return;
      throw error;
    }
  }
}
