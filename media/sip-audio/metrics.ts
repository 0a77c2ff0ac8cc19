import client from 'prom-client';

/**
 * The SIP media layer's Prometheus metrics. The server passes its registry; without one (tests, the
 * benchmark) they go to a registry of their own that nobody scrapes.
 */
export function createSipAudioMetrics(registry: client.Registry = new client.Registry()) {
  const registers = [registry];
  const packets = new client.Counter({
    name: 'ecs_sip_rtp_packets_total',
    help: 'RTP packets of SIP legs: in = from SIP peers, out = to SIP peers, room = into the room router',
    labelNames: ['direction'] as const,
    registers,
  });
  const dropped = new client.Counter({
    name: 'ecs_sip_rtp_dropped_total',
    help: 'Packets the SIP media layer dropped, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const decodeErrors = new client.Counter({ name: 'ecs_sip_decode_errors_total', help: 'Audio payloads that failed to decode, by codec', labelNames: ['codec'] as const, registers });
  return {
    registry,
    legs: new client.Gauge({ name: 'ecs_sip_legs', help: 'SIP call legs with media running', registers }),
    packetsIn: packets.labels('in'),
    packetsOut: packets.labels('out'),
    packetsToRoom: packets.labels('room'),
    dropped: (reason: DropReason) => dropped.labels(reason),
    decodeErrors: (codec: string) => decodeErrors.labels(codec),
    tickLateness: new client.Histogram({
      name: 'ecs_sip_mix_tick_lateness_seconds',
      help: 'How late each 20 ms mixer tick ran after its due time',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08],
      registers,
    }),
    ticksSkipped: new client.Counter({ name: 'ecs_sip_mix_ticks_skipped_total', help: 'Mixer ticks dropped because the process fell too far behind', registers }),
  };
}

export type DropReason = 'malformed' | 'payload_type' | 'late' | 'unknown_ssrc' | 'rtcp' | 'not_keyed' | 'send_failed';
export type SipAudioMetrics = ReturnType<typeof createSipAudioMetrics>;
