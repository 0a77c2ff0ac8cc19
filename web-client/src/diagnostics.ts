import type { RoomClient } from './room-client.js';
import { createToneProbe } from './tone-probe.js';

/** One simulcast encoding of this browser's camera, as it leaves (outbound-rtp). */
export interface SendLayerStats {
  rid: string;
  bytesSent: number;
  frameHeight: number;
  active: boolean;
  /** Why the encoder sends less than asked ('bandwidth', 'cpu', 'none'). */
  qualityLimitationReason: string;
  targetBitrate: number;
}

export interface PeerReceiveStats {
  peerId: string;
  name: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  videoCodec: string;
  audioEnergy: number;
  audioLevel: number;
}

/**
 * window.__diag: what this browser receives, read from WebRTC stats. Used by support staff from the
 * console, and by the end-to-end tests and benchmarks to see real decoded frames and real audio.
 */
/** Moments in this page's life (performance.now()): loginSubmitted, loggedIn, firstRemoteFrame. */
export const marks: Record<string, number> = {};

/** `getTalkGroup`: where a page keeps its talk group apart from its main room (the field page). */
export function installDiagnostics(getClient: () => RoomClient | undefined, getTalkGroup = getClient): void {
  const diag = {
    marks,
    state: () => getClient()?.state ?? 'none',
    peerId: () => getClient()?.peerId ?? '',
    positions: () => getClient()?.positions ?? [],
    /** Whose media this browser receives now, by kind (the server's consumers for this member). */
    receiving: () => [...(getClient()?.consumers ?? [])].map(([producerId, c]) => ({
      producerId,
      kind: c.kind,
      peerId: [...(getClient()?.peers.values() ?? [])].find((p) => p.producers.has(producerId))?.info.id ?? '',
    })),
    /** The room's last-N speakers as this member was last told. */
    audible: () => getClient()?.audible ?? null,
    async stats(): Promise<PeerReceiveStats[]> {
      const client = getClient();
      if (!client) return [];
      const byPeer = new Map<string, PeerReceiveStats>();
      for (const [producerId, consumer] of client.consumers) {
        const peer = [...client.peers.values()].find((p) => p.producers.has(producerId));
        if (!peer) continue;
        const row = byPeer.get(peer.info.id) ?? { peerId: peer.info.id, name: peer.info.user.username, framesDecoded: 0, frameWidth: 0, frameHeight: 0, videoCodec: '', audioEnergy: 0, audioLevel: 0 };
        byPeer.set(peer.info.id, row);
        const report = await consumer.getStats();
        const codecs = new Map<string, string>();
        report.forEach((s: Record<string, unknown>) => {
          if (s['type'] === 'codec') codecs.set(String(s['id']), String(s['mimeType']));
        });
        report.forEach((s: Record<string, unknown>) => {
          if (s['type'] !== 'inbound-rtp') return;
          if (s['kind'] === 'video') {
            row.framesDecoded += Number(s['framesDecoded'] ?? 0);
            row.frameWidth = Number(s['frameWidth'] ?? 0);
            row.frameHeight = Number(s['frameHeight'] ?? 0);
            row.videoCodec = codecs.get(String(s['codecId'])) ?? '';
          } else {
            row.audioEnergy += Number(s['totalAudioEnergy'] ?? 0);
            row.audioLevel = Math.max(row.audioLevel, Number(s['audioLevel'] ?? 0));
          }
        });
      }
      return [...byPeer.values()];
    },
    /** The camera's simulcast encodings on the wire (dynacast leaves the unwatched ones inactive). */
    async sendLayers(): Promise<SendLayerStats[]> {
      const camera = getClient()?.localProducer('camera');
      if (!camera || camera.closed) return [];
      const layers: SendLayerStats[] = [];
      (await camera.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'outbound-rtp') return;
        layers.push({
          rid: String(s['rid'] ?? ''),
          bytesSent: Number(s['bytesSent'] ?? 0),
          frameHeight: Number(s['frameHeight'] ?? 0),
          active: s['active'] !== false,
          qualityLimitationReason: String(s['qualityLimitationReason'] ?? ''),
          targetBitrate: Number(s['targetBitrate'] ?? 0),
        });
      });
      return layers.sort((a, b) => a.rid.localeCompare(b.rid));
    },
    /** This browser's video consumer ids by producer id (support: match the server's view). */
    videoConsumers(): { producerId: string; consumerId: string }[] {
      return [...(getClient()?.consumers ?? [])].filter(([, c]) => c.kind === 'video').map(([producerId, c]) => ({ producerId, consumerId: c.id }));
    },
    /** The path the media uplink took: transport protocol of the selected candidate pair. */
    async sendPath(): Promise<{ protocol: string; candidateType: string } | undefined> {
      const stats = await getClient()?.sendStats();
      if (!stats) return undefined;
      let localId = '';
      stats.forEach((s: Record<string, unknown>) => {
        if (s['type'] === 'transport' && s['selectedCandidatePairId']) {
          const pair = stats.get(String(s['selectedCandidatePairId'])) as Record<string, unknown> | undefined;
          localId = String(pair?.['localCandidateId'] ?? '');
        }
      });
      const local = stats.get(localId) as Record<string, unknown> | undefined;
      return local ? { protocol: String(local['protocol']), candidateType: String(local['candidateType']) } : undefined;
    },
    /** Talk group: this member's floor status, the floor, and status changes with wall-clock times. */
    ptt() {
      const floor = getTalkGroup()?.floor;
      return floor
        ? { status: floor.status, position: floor.position, reason: floor.reason, holder: floor.state?.holder ?? null, queue: floor.state?.queue ?? [], log: floor.log }
        : null;
    },
    probe: createToneProbe(getClient),
    /** Drops the signalling connection as a network loss would; the client recovers by itself. */
    dropConnection(): void {
      getClient()?.signalling.socket.io.engine.close();
    },
  };
  (window as unknown as { __diag: typeof diag }).__diag = diag;
}
