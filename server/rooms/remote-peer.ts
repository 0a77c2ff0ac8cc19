import type { types } from 'mediasoup';
import type { PublicUser } from '../../protocol/http.js';
import type { PeerInfo } from '../../protocol/signalling.js';
import type { ProducerAppData } from '../../media/media-participant.js';

/** A member of the room connected to another node: its producers are piped in from that node. */
export class RemotePeer {
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  /** Producers its member muted (on its own node). */
  readonly muted = new Set<string>();

  constructor(
    readonly id: string,
    readonly user: PublicUser,
    readonly node: string,
    /** A camera feed's or SIP call's state, as its node shows it. */
    public shown: Pick<PeerInfo, 'feed' | 'sip'> = {},
  ) {}

  info(): PeerInfo {
    return {
      id: this.id,
      user: this.user,
      producers: [...this.producers.values()].map((p) => ({ id: p.id, kind: p.kind, source: p.appData.source, paused: this.muted.has(p.id) })),
      ...(this.shown.feed ? { feed: this.shown.feed } : {}),
      ...(this.shown.sip ? { sip: this.shown.sip } : {}),
    };
  }
}
