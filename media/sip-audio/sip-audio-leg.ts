import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { ProducerAppData } from '../media-participant.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { SipAudioCodec } from './codecs.js';
import { LegDownlink } from './leg-downlink.js';
import { LegUplink } from './leg-uplink.js';
import type { SipAudioMetrics } from './metrics.js';
import type { MixSource } from './mix-source.js';
import type { OpusRate } from './opus.js';
import { RadioKeying, type RadioOptions } from './radio-keying.js';
import { isRtcp, parseRtp } from './rtp-packet.js';
import { dtmfDigit, parseTelephoneEvent } from './telephone-event.js';
import type { PortRange } from './udp-bind.js';

export interface SipLegOptions {
  /** The leg's peer id in the room; its producer's appData.participantId. */
  participantId: string;
  /** The negotiated voice codec. */
  codec: SipAudioCodec;
  /** RFC 4733 payload type, if negotiated. */
  telephoneEventPayloadType?: number;
  /** Local address to bind the leg's UDP socket to (the SDP c= line). */
  rtpIp: string;
  /** Ports the leg's socket may take (an even one, at random); any free port when absent. */
  rtpPortRange?: PortRange;
  /** null: never time out (a radio channel's silence is normal). */
  rtpTimeoutMs: number | null;
  /** A half-duplex radio gateway: forwards into the room only while keyed. */
  radio?: RadioOptions;
}

export type SipAudioLegEvents = {
  /** An RFC 4733 digit, once per event (not per retransmitted packet); not on radio legs keyed by RFC 4733. */
  dtmf: [digit: string];
  /** A radio leg started or stopped transmitting into the room. */
  keyed: [keyed: boolean];
  /** No RTP from the peer for rtpTimeoutMs (after the last packet, or after creation if none came). Once. */
  rtpTimeout: [];
  closed: [];
};

export interface SipAudioLegStats {
  /** Well-formed RTP packets received from the peer (voice and telephone-event). */
  packetsIn: number;
  /** RTP packets sent to the peer. */
  packetsOut: number;
  /** Date.now() of the last RTP packet from the peer. */
  lastRtpAt: number | null;
}

/** What RoomAudioMixer hands a leg it made; not for other callers. */
export interface SipAudioLegParts {
  options: SipLegOptions;
  socket: Socket;
  producer: types.Producer<ProducerAppData>;
  sendToRoom: (rtp: Buffer) => void;
  metrics: SipAudioMetrics;
  logger: Logger;
}

/**
 * One SIP call's media: a UDP socket facing the SIP peer, and the leg's voice as an Opus producer in
 * the room router. The mixer calls tick() every 20 ms with what the peer should hear.
 * Close it (or its producer) to end it; it closes itself with its mixer.
 */
export class SipAudioLeg extends TypedEmitter<SipAudioLegEvents> implements MixSource {
  readonly participantId: string;
  readonly rtpPort: number;
  readonly producer: types.Producer<ProducerAppData>;
  readonly codec: SipAudioCodec;
  readonly #socket: Socket;
  readonly #uplink: LegUplink;
  readonly #downlink: LegDownlink;
  readonly #keying: RadioKeying | null;
  readonly #telephoneEventPt: number | undefined;
  readonly #timeoutMs: number | null;
  readonly #metrics: SipAudioMetrics;
  readonly #logger: Logger;
  #remote: { address: string; port: number } | null = null;
  #talkers: ReadonlySet<string> | null = null;
  readonly #createdAt = performance.now();
  #lastRtpPerf: number | null = null;
  #timedOut = false;
  /** Timestamp of the last RFC 4733 event reported, so its retransmissions are not reported again. */
  #lastEventTs: number | null = null;
  readonly #stats: SipAudioLegStats = { packetsIn: 0, packetsOut: 0, lastRtpAt: null };
  #closed = false;

  constructor(parts: SipAudioLegParts) {
    super();
    const { options, socket, producer, metrics } = parts;
    this.participantId = options.participantId;
    this.codec = options.codec;
    this.producer = producer;
    this.#socket = socket;
    this.rtpPort = socket.address().port;
    this.#telephoneEventPt = options.telephoneEventPayloadType;
    this.#timeoutMs = options.rtpTimeoutMs;
    this.#metrics = metrics;
    this.#logger = parts.logger.child({ sipLeg: options.participantId });
    const radio = options.radio;
    this.#keying = radio ? new RadioKeying(radio.keying, radio, (keyed) => this.#safeEmit('keyed', keyed)) : null;
    const ssrc = producer.rtpParameters.encodings?.[0]?.ssrc ?? 0;
    this.#uplink = new LegUplink(options.codec, ssrc, this.#keying, parts.sendToRoom, metrics);
    this.#downlink = new LegDownlink(options.codec);
    socket.on('message', (msg, rinfo) => {
      try {
        this.#onPacket(msg, rinfo.address, rinfo.port);
      } catch (err) {
        // Whatever a packet does to us, the process and the other calls carry on.
        this.#metrics.dropped('malformed').inc();
        this.#logger.error({ err }, 'SIP leg failed on a packet; dropped');
      }
    });
    socket.on('error', (err) => this.#logger.warn({ err }, 'SIP leg RTP socket error'));
    producer.observer.once('close', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get producerId(): string {
    return this.producer.id;
  }

  /** Sample rate this leg's peer hears and speaks at. */
  get pcmRate(): OpusRate {
    return this.#uplink.pcmRate;
  }

  /** Whether the room hears this leg now: always for a full-duplex leg, while keyed for a radio leg. */
  get keyed(): boolean {
    return this.#keying ? this.#keying.keyed : true;
  }

  get talkers(): ReadonlySet<string> | null {
    return this.#talkers;
  }

  /**
   * Where to send the peer's audio (from its SDP). Received RTP from elsewhere moves it (symmetric RTP).
   * 0.0.0.0 (or ::) is the old way to put a call on hold: nothing is sent until the peer's RTP arrives.
   * Throws TypeError for anything but an IP address and a port (a host name would need a DNS lookup per packet).
   */
  setRemote(address: string, port: number): void {
    if (isIP(address) === 0) throw new TypeError(`SIP leg remote address must be an IP address, not ${JSON.stringify(address)}`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`SIP leg remote port out of range: ${port}`);
    this.#remote = address === '0.0.0.0' || address === '::' ? null : { address, port };
  }

  /** null: hear the whole room minus itself. A set: hear only these participants (a radio leg: the current talker). */
  setTalkers(participantIds: ReadonlySet<string> | null): void {
    this.#talkers = participantIds === null ? null : new Set(participantIds);
  }

  /** Keying signalled by SIP INFO, for a radio leg configured with keying 'info'. */
  setKeyedByInfo(keyed: boolean): void {
    if (this.#keying?.mode !== 'info') {
      this.#logger.debug({ keyed }, 'keying by INFO ignored: leg is not keyed by INFO');
      return;
    }
    this.#keying.setByInfo(keyed);
  }

  stats(): SipAudioLegStats {
    return { ...this.#stats };
  }

  // --- For RoomAudioMixer only (@internal): this leg's voice as the other legs hear it, and the tick ---

  addRate(rate: OpusRate): void {
    this.#uplink.addRate(rate);
  }

  removeRate(rate: OpusRate): void {
    this.#uplink.removeRate(rate);
  }

  advance(): void {
    this.#uplink.rings.advance();
  }

  frame(rate: OpusRate): Int16Array | null {
    return this.#uplink.rings.frame(rate);
  }

  /** @internal Called by the mixer each 20 ms: send the peer its mix, run the timers. */
  tick(mix: Int16Array, active: boolean, now: number): void {
    if (this.#closed) return;
    const remote = this.#remote;
    if (remote) {
      this.#socket.send(this.#downlink.packet(mix, active), remote.port, remote.address, (err) => {
        // A peer that went away is the RTP timeout's (or SIP's) to notice; count it only.
        if (err) this.#metrics.dropped('send_failed').inc();
      });
      this.#stats.packetsOut++;
      this.#metrics.packetsOut.inc();
    } else this.#downlink.skip();
    this.#keying?.tick(now);
    if (this.#timeoutMs !== null && !this.#timedOut && now - (this.#lastRtpPerf ?? this.#createdAt) >= this.#timeoutMs) {
      this.#timedOut = true;
      this.#safeEmit('rtpTimeout');
    }
  }

  #onPacket(msg: Buffer, address: string, port: number): void {
    if (this.#closed) return;
    if (isRtcp(msg)) {
      this.#metrics.dropped('rtcp').inc();
      return;
    }
    const packet = parseRtp(msg);
    if (!packet) {
      this.#metrics.dropped('malformed').inc();
      return;
    }
    const isVoice = packet.payloadType === this.codec.payloadType;
    const isEvent = this.#telephoneEventPt !== undefined && packet.payloadType === this.#telephoneEventPt;
    if (!isVoice && !isEvent) {
      this.#metrics.dropped('payload_type').inc();
      return;
    }
    const now = performance.now();
    this.#lastRtpPerf = now;
    this.#stats.packetsIn++;
    this.#stats.lastRtpAt = Date.now();
    this.#metrics.packetsIn.inc();
    if (!this.#remote || this.#remote.address !== address || this.#remote.port !== port) {
      // Symmetric RTP: a peer behind NAT is reachable only where its packets come from.
      if (this.#remote) this.#logger.info({ from: this.#remote, to: { address, port } }, 'SIP leg latched onto the RTP source');
      this.#remote = { address, port };
    }
    if (isVoice) this.#uplink.onAudio(packet, now);
    else this.#onTelephoneEvent(packet.payload, packet.timestamp, now);
  }

  #onTelephoneEvent(payload: Buffer, timestamp: number, now: number): void {
    const event = parseTelephoneEvent(payload);
    if (!event) {
      this.#metrics.dropped('malformed').inc();
      return;
    }
    if (this.#keying?.mode === 'rfc4733') {
      this.#keying.onTelephoneEvent(event.end, now);
      return;
    }
    if (timestamp === this.#lastEventTs) return;
    this.#lastEventTs = timestamp;
    const digit = dtmfDigit(event.event);
    if (digit !== null) this.#safeEmit('dtmf', digit);
  }

  /** A listener that throws must not stop the mixer's tick or the socket's handler. */
  #safeEmit<E extends keyof SipAudioLegEvents & string>(event: E, ...args: SipAudioLegEvents[E]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      this.#logger.error({ err, event }, 'SIP leg event listener threw');
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    if (!this.producer.closed) this.producer.close();
    this.#uplink.close();
    this.#downlink.close();
    this.#safeEmit('closed');
  }
}
