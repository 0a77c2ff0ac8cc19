import { SipHangUpReply, SipHangUpRequest } from '../../protocol/cluster.js';
import type { Room } from '../rooms/room.js';
import type { SipGateway } from '../sip/sip-gateway.js';
import type { ClusterBus } from './cluster-bus.js';

/**
 * SIP calls are carried by the gateway of the node their phone reached; members on other nodes see them
 * as remote peers. A commander there hanging one up is authorised and audited on their own node, which
 * then asks the carrying node's gateway to end it.
 */
export class ClusterSip {
  constructor(
    private readonly bus: ClusterBus,
    private readonly gateway: SipGateway | undefined,
  ) {
    bus.onRequest((body) => this.#onRequest(body), ['sipHangUp']);
  }

  /** Whether the call was found on the node carrying it and is ending. */
  async hangUp(room: Room, peerId: string): Promise<boolean> {
    const node = room.remoteNodeOf(peerId);
    if (!node) return false;
    return SipHangUpReply.parse(await this.bus.request(node, { type: 'sipHangUp', roomId: room.id, peerId } satisfies SipHangUpRequest)).hungUp;
  }

  async #onRequest(body: unknown): Promise<SipHangUpReply> {
    const request = SipHangUpRequest.parse(body);
    return { hungUp: this.gateway?.hangUp(request.roomId, request.peerId) ?? false };
  }
}
