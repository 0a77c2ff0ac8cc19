import os from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterOverview } from '../http/ops-routes.js';
import type { RoomManager } from '../rooms/room-manager.js';
import { ClusterBus } from './cluster-bus.js';
import { NodeRegistry } from './node-registry.js';
import { RoomArbiter } from './room-arbiter.js';
import { RoomSpan } from './room-span.js';

export interface ClusterSettings {
  nodeId: string | undefined;
  /** Node URLs configured by hand, listed to clients besides those heard from the registry. */
  nodes: string[];
  pipeIp: string;
  heartbeatMs: number;
  nodeTtlMs: number;
}

/** This node's part in a cluster sharing one Redis: its heartbeat, the node bus and rooms spanning nodes. */
export class Cluster {
  private constructor(
    readonly registry: NodeRegistry,
    readonly bus: ClusterBus,
    readonly span: RoomSpan,
    readonly arbiter: RoomArbiter,
    private readonly configuredNodes: string[],
  ) {}

  static async start(deps: { redis: Redis; rooms: RoomManager; settings: ClusterSettings; url: string; logger: Logger }): Promise<Cluster> {
    const { settings } = deps;
    const nodeId = settings.nodeId ?? `${os.hostname()}-${process.pid}`;
    const logger = deps.logger.child({ node: nodeId });
    const bus = await ClusterBus.start(deps.redis, nodeId, logger);
    const registry = new NodeRegistry(deps.redis, { id: nodeId, url: deps.url, pipeIp: settings.pipeIp }, { beatMs: settings.heartbeatMs, ttlMs: settings.nodeTtlMs }, logger);
    const span = new RoomSpan(deps.rooms, bus, registry, logger);
    // The lease lives as long as a node's heartbeat: a dead node's rooms are taken over as it is dropped.
    const arbiter = new RoomArbiter(deps.rooms, bus, deps.redis, { beatMs: settings.heartbeatMs, leaseMs: settings.nodeTtlMs }, logger);
    await registry.start();
    logger.info({ url: deps.url, pipeIp: settings.pipeIp }, 'cluster node started');
    return new Cluster(registry, bus, span, arbiter, settings.nodes);
  }

  get nodeId(): string {
    return this.bus.nodeId;
  }

  /** The cluster's node URLs, this node's first: where a client goes when its node is unreachable. */
  nodeUrls(): string[] {
    return [...new Set([...this.registry.nodes().map((n) => n.url), ...this.configuredNodes])];
  }

  /** Origins whose pages may call this node (socket.io, HTTP API): every node seen, dead ones too. */
  pageOrigins(): string[] {
    return [...new Set([...this.registry.seenUrls(), ...this.configuredNodes].map((u) => new URL(u).origin))];
  }

  overview(): ClusterOverview {
    return { nodeId: this.nodeId, nodes: this.registry.nodes().map((n) => ({ id: n.id, url: n.url })), pipes: this.span.pipeCount(), arbiters: this.arbiter.arbiters() };
  }

  async stop(): Promise<void> {
    await this.arbiter.stop();
    await this.registry.stop();
    await this.bus.close();
  }
}
