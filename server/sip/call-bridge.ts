import type { Logger } from 'pino';
import type { SipCallInfo } from '../../protocol/signalling.js';
import type { SipAudioLeg } from '../../media/sip-audio/sip-audio-leg.js';
import type { SipCall } from '../../sip/ua/sip-call.js';
import type { Room } from '../rooms/room.js';

/**
 * A SIP call joined to a room: its state in the roster, its keys as room notifications, a radio's
 * keying as floor requests, and what a radio hears (the floor holder, or the active speaker).
 * Closing it ends the leg's media and takes the peer out of the room.
 */
export class CallBridge {
  #closed = false;
  #leg: SipAudioLeg | undefined;
  readonly #detach: (() => void)[] = [];

  constructor(
    readonly peerId: string,
    readonly room: Room,
    readonly call: SipCall,
    public info: SipCallInfo,
    private readonly logger: Logger,
  ) {
    call.on('state', (state) => {
      this.info = { ...this.info, state };
      if (state !== 'ended') room.setSipCall(peerId, this.info);
    });
    call.on('dtmf', (digit) => this.#onDigit(digit));
    call.on('keyedInfo', (keyed) => this.#leg?.setKeyedByInfo(keyed));
    const onFloor = () => this.#updateTalkers();
    const onSpeaker = () => this.#updateTalkers();
    room.on('floor', onFloor);
    room.on('activeSpeaker', onSpeaker);
    this.#detach.push(() => room.off('floor', onFloor), () => room.off('activeSpeaker', onSpeaker));
  }

  get leg(): SipAudioLeg | undefined {
    return this.#leg;
  }

  get isRadio(): boolean {
    return this.info.kind === 'radio';
  }

  /** The call's media, once there is one that will stay (outgoing calls try codecs one after another). */
  attachLeg(leg: SipAudioLeg): void {
    this.#leg = leg;
    leg.on('dtmf', (digit) => this.#onDigit(digit));
    leg.on('keyed', (keyed) => void this.#onKeyed(keyed));
    // Only legs with an RTP timeout report it: a radio channel may stay silent for hours.
    leg.on('rtpTimeout', () => {
      this.logger.info({ peerId: this.peerId }, 'SIP call: no RTP; hanging up');
      this.call.hangUp('rtp-timeout');
    });
    this.#updateTalkers();
  }

  /** keepPeer: another attempt (the next codec) follows under the same peer. */
  close(keepPeer = false): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#detach) off();
    this.#leg?.close();
    if (keepPeer) return;
    if (this.room.floorHolder() === this.peerId) void this.room.releaseFloorFor(this.peerId);
    this.room.removeSipPeer(this.peerId);
  }

  #onDigit(digit: string): void {
    this.room.notifyAll({ type: 'dtmf', data: { peerId: this.peerId, digit } });
    // A phone in a talk group has no PTT button: * asks for the floor, # lets go.
    if (this.room.mode === 'ptt' && !this.isRadio) {
      if (digit === '*') void this.room.requestFloorFor(this.peerId);
      if (digit === '#') void this.room.releaseFloorFor(this.peerId);
    }
  }

  async #onKeyed(keyed: boolean): Promise<void> {
    if (!this.isRadio || this.#closed) return;
    const outcome = keyed ? await this.room.requestFloorFor(this.peerId) : (await this.room.releaseFloorFor(this.peerId), null);
    this.logger.debug({ peerId: this.peerId, keyed, outcome }, 'radio keying');
  }

  /** A radio carries one talker: the floor holder in a talk group, the active speaker in a conference. */
  #updateTalkers(): void {
    const leg = this.#leg;
    if (!leg || !this.isRadio || this.#closed) return;
    const talker = this.room.mode === 'ptt' ? this.room.floorHolder() : this.room.activeSpeaker;
    leg.setTalkers(new Set(talker && talker !== this.peerId ? [talker] : []));
  }
}
