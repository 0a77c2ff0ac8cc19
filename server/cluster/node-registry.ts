import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClusterNodeInfo, clusterChannels } from '../../protocol/cluster.js';
import { TypedEmitter } from '../../media/typed-emitter.js';

type RegistryEvents = {
  /** A node stopped heartbeating (its key expired): it is dead for this node. */
  nodeDown: [nodeId: string];
  /** This node's own key had expired (it stalled past the TTL): the others have dropped its members. */
  rejoined: [];
};

/**
 * This node's heartbeat in Redis (a key with a TTL, renewed every beat) and the other nodes' liveness,
 * read back on the same beat.
 */
export class NodeRegistry extends TypedEmitter<RegistryEvents> {
  #alive = new Map<string, ClusterNodeInfo>();
  /** Nodes seen to stop beating; a node not seen yet (it just started) is not dead. */
  readonly #dead = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #beaten = false;
  /** Every node URL heard since this node started: pages loaded from a node that died still call here. */
  readonly #seenUrls = new Set<string>();

  constructor(
    private readonly redis: Redis,
    readonly self: ClusterNodeInfo,
    private readonly opts: { beatMs: number; ttlMs: number },
    private readonly logger: Logger,
  ) {
    super();
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.opts.beatMs);
  }

  /** Live nodes, this one included. */
  nodes(): ClusterNodeInfo[] {
    return [this.self, ...[...this.#alive.values()].filter((n) => n.id !== this.self.id)];
  }

  /** The URLs of every node seen since this one started, dead ones too. */
  seenUrls(): string[] {
    return [this.self.url, ...this.#seenUrls];
  }

  isAlive(nodeId: string): boolean {
    return !this.#dead.has(nodeId);
  }

  node(nodeId: string): ClusterNodeInfo | undefined {
    return this.#alive.get(nodeId);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.redis.del(clusterChannels.alive(this.self.id)).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    try {
      const previous = await this.redis.set(clusterChannels.alive(this.self.id), JSON.stringify(this.self), 'PX', this.opts.ttlMs, 'GET');
      if (this.#beaten && previous === null) {
        this.logger.warn('this node\'s heartbeat had expired; announcing its members again');
        this.emit('rejoined');
      }
      this.#beaten = true;
      const keys = await this.redis.keys(clusterChannels.alive('*'));
      const values = keys.length > 0 ? await this.redis.mget(...keys) : [];
      const alive = new Map<string, ClusterNodeInfo>();
      for (const text of values) {
        if (!text) continue;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          continue;
        }
        const info = ClusterNodeInfo.safeParse(json);
        if (info.success && info.data.id !== this.self.id) alive.set(info.data.id, info.data);
      }
      const before = this.#alive;
      this.#alive = alive;
      for (const id of before.keys()) {
        if (!alive.has(id)) {
          this.#dead.add(id);
          this.logger.warn({ node: id }, 'cluster node stopped heartbeating; treating it as dead');
          this.emit('nodeDown', id);
        }
      }
      for (const [id, info] of alive) {
        this.#seenUrls.add(info.url);
        if (before.has(id)) continue;
        this.#dead.delete(id);
        this.logger.info({ node: id }, 'cluster node up');
      }
    } catch (err) {
      this.logger.warn({ err }, 'cluster heartbeat failed');
    }
  }
}
