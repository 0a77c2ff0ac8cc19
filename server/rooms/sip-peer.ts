import type { types } from 'mediasoup';
import type { PublicUser } from '../../protocol/http.js';
import type { PeerInfo, SipCallInfo } from '../../protocol/signalling.js';
import type { ProducerAppData } from '../../media/media-participant.js';

/** A SIP call's presence in a room: a peer without a socket, whose one producer is its leg's audio. */
export class SipPeer {
  producer: types.Producer<ProducerAppData> | undefined;

  constructor(
    readonly id: string,
    readonly user: PublicUser,
    public call: SipCallInfo,
  ) {}

  info(): PeerInfo {
    const p = this.producer && !this.producer.closed ? [this.producer] : [];
    return {
      id: this.id,
      user: this.user,
      producers: p.map((x) => ({ id: x.id, kind: x.kind, source: x.appData.source, paused: false })),
      sip: this.call,
    };
  }
}
