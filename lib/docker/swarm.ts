/**
 * Swarm calls of the Engine API: the node's swarm membership (`/swarm`), services and their tasks,
 * and node addresses. Every failure is a DockerError naming the call; a service or node that does
 * not exist is a 404 (`status`), which `remove` treats as done.
 */
import { labelFilters } from './container-spec.ts';
import type { EngineTransport } from './transport.ts';

/** A service's body for `POST /services/create`, in the Engine API's own words (built by the caller). */
export type ServiceBody = Record<string, unknown> & { Name: string };

/** What `inspect`/`list` tell about a service (the fields Fleetgate reads). */
export interface ServiceInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** The object version `update` must quote. */
  version: number;
}

/** One task (the container a service runs on some node), the fields Fleetgate reads. */
export interface TaskInfo {
  id: string;
  serviceId: string;
  nodeId: string;
  /** `running`, `failed`, `rejected`, `shutdown`, `complete`, … */
  state: string;
  desiredState: string;
  /** The engine's error for a task that failed or was rejected, else "". */
  error: string;
  /** The task's container, once it has one. */
  containerId: string;
  /** Address (without the CIDR suffix) per attached network name. */
  addresses: Record<string, string>;
}

/** Swarm, service, task and node calls. */
export class SwarmApi {
  readonly #t: EngineTransport;
  constructor(transport: EngineTransport) {
    this.#t = transport;
  }

  /** Makes this engine a one-node swarm manager (`docker swarm init`); returns the node id. */
  async init(options: { listenAddr: string; advertiseAddr: string; dataPathPort?: number }): Promise<string> {
    const res = await this.#t.request(
      { action: 'init swarm', target: options.advertiseAddr },
      {
        method: 'POST',
        path: '/swarm/init',
        json: {
          ListenAddr: options.listenAddr,
          AdvertiseAddr: options.advertiseAddr,
          ...(options.dataPathPort === undefined ? {} : { DataPathPort: options.dataPathPort }),
        },
        timeoutMs: 60_000,
      },
    );
    return JSON.parse(res.body.toString()) as string;
  }

  /** Leaves the swarm (`force`: also as its last manager); an engine in no swarm is not an error. */
  async leave(force = true): Promise<void> {
    try {
      await this.#t.request(
        { action: 'leave swarm' },
        { method: 'POST', path: '/swarm/leave', query: { force }, timeoutMs: 60_000 },
      );
    } catch (error) {
      if ((error as { status?: number }).status === 503) return; // "not part of a swarm"
      throw error;
    }
  }

  /** Creates a service; returns its id. */
  async createService(body: ServiceBody): Promise<string> {
    const res = await this.#t.request(
      { action: 'create service', target: body.Name },
      { method: 'POST', path: '/services/create', json: body },
    );
    return (JSON.parse(res.body.toString()) as { ID: string }).ID;
  }

  /** A service by id or name. */
  async inspectService(idOrName: string): Promise<ServiceInfo> {
    const res = await this.#t.request(
      { action: 'inspect service', target: idOrName },
      { method: 'GET', path: `/services/${encodeURIComponent(idOrName)}` },
    );
    return serviceOf(JSON.parse(res.body.toString()));
  }

  /** Services carrying every given label. */
  async listServices(labels: Record<string, string | true>): Promise<ServiceInfo[]> {
    const res = await this.#t.request(
      { action: 'list services' },
      { method: 'GET', path: '/services', query: { filters: JSON.stringify(labelFilters(labels)) } },
    );
    return (JSON.parse(res.body.toString()) as unknown[]).map(serviceOf);
  }

  /** Replaces a service's spec (`version` from `inspectService`), e.g. to scale it. */
  async updateService(id: string, version: number, body: ServiceBody): Promise<void> {
    await this.#t.request(
      { action: 'update service', target: id },
      { method: 'POST', path: `/services/${encodeURIComponent(id)}/update`, query: { version }, json: body },
    );
  }

  /** Removes a service (its tasks stop with their grace period); one already gone is not an error. */
  async removeService(idOrName: string): Promise<void> {
    try {
      await this.#t.request(
        { action: 'remove service', target: idOrName },
        { method: 'DELETE', path: `/services/${encodeURIComponent(idOrName)}` },
      );
    } catch (error) {
      if ((error as { status?: number }).status === 404) return;
      throw error;
    }
  }

  /** The tasks of one service (every state the manager still keeps). */
  async tasks(serviceId: string): Promise<TaskInfo[]> {
    const res = await this.#t.request(
      { action: 'list tasks of service', target: serviceId },
      { method: 'GET', path: '/tasks', query: { filters: JSON.stringify({ service: [serviceId] }) } },
    );
    return (JSON.parse(res.body.toString()) as RawTask[]).map(taskOf);
  }

  /** A node's address as the swarm knows it (`Status.Addr`). */
  async nodeAddress(nodeId: string): Promise<string> {
    const res = await this.#t.request(
      { action: 'inspect node', target: nodeId },
      { method: 'GET', path: `/nodes/${encodeURIComponent(nodeId)}` },
    );
    return String((JSON.parse(res.body.toString()) as { Status?: { Addr?: string } }).Status?.Addr ?? '');
  }
}

interface RawTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState: string;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

function taskOf(raw: RawTask): TaskInfo {
  const addresses: Record<string, string> = {};
  for (const a of raw.NetworksAttachments ?? []) {
    const name = a.Network?.Spec?.Name;
    const address = a.Addresses?.[0]?.split('/')[0];
    if (name && address) addresses[name] = address;
  }
  return {
    id: raw.ID,
    serviceId: raw.ServiceID,
    nodeId: raw.NodeID ?? '',
    state: raw.Status?.State ?? '',
    desiredState: raw.DesiredState,
    error: raw.Status?.Err ?? '',
    containerId: raw.Status?.ContainerStatus?.ContainerID ?? '',
    addresses,
  };
}

function serviceOf(raw: unknown): ServiceInfo {
  const s = raw as {
    ID: string;
    Version?: { Index?: number };
    Spec?: { Name?: string; Labels?: Record<string, string> };
  };
  return { id: s.ID, name: s.Spec?.Name ?? '', labels: s.Spec?.Labels ?? {}, version: s.Version?.Index ?? 0 };
}
