import client from 'prom-client';

export type DropReason = 'malformed' | 'payload_type' | 'late' | 'unknown_ssrc' | 'rtcp' | 'not_keyed' | 'send_failed';

/** A count kept as a plain number on the packet path and handed to prom-client only when scraped. */
export class Tally {
  n = 0;
  #reported = 0;

  inc(by = 1): void {
    this.n += by;
  }

  /** What was counted since the last call. */
  take(): number {
    const delta = this.n - this.#reported;
    this.#reported = this.n;
    return delta;
  }
}

/** A counter with one label whose values are Tallies, flushed at each scrape. */
function talliedCounter<L extends string>(registry: client.Registry, name: string, help: string, labelName: string) {
  const tallies = new Map<L, Tally>();
  new client.Counter({
    name,
    help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      for (const [label, tally] of tallies) this.labels(label).inc(tally.take());
    },
  });
  return (label: L): Tally => {
    let tally = tallies.get(label);
    if (!tally) tallies.set(label, (tally = new Tally()));
    return tally;
  };
}

/**
 * The SIP media layer's Prometheus metrics. The server passes its registry; without one (tests, the
 * benchmark) they go to a registry of their own that nobody scrapes. Per-packet counts are plain
 * additions (Tally): at thousands of packets a second, prom-client's label lookups showed in profiles.
 */
export function createSipAudioMetrics(registry: client.Registry = new client.Registry()) {
  const registers = [registry];
  const packets = talliedCounter<'in' | 'out' | 'room'>(
    registry,
    'ecs_sip_rtp_packets_total',
    'RTP packets of SIP legs: in = from SIP peers, out = to SIP peers, room = into the room router',
    'direction',
  );
  return {
    registry,
    legs: new client.Gauge({ name: 'ecs_sip_legs', help: 'SIP call legs with media running', registers }),
    packetsIn: packets('in'),
    packetsOut: packets('out'),
    packetsToRoom: packets('room'),
    dropped: talliedCounter<DropReason>(registry, 'ecs_sip_rtp_dropped_total', 'Packets the SIP media layer dropped, by reason', 'reason'),
    decodeErrors: talliedCounter<string>(registry, 'ecs_sip_decode_errors_total', 'Audio payloads that failed to decode, by codec', 'codec'),
    tickLateness: new client.Histogram({
      name: 'ecs_sip_mix_tick_lateness_seconds',
      help: 'How late each 20 ms mixer tick ran after its due time',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08],
      registers,
    }),
    ticksSkipped: new client.Counter({ name: 'ecs_sip_mix_ticks_skipped_total', help: 'Mixer ticks dropped because the process fell too far behind', registers }),
  };
}

export type SipAudioMetrics = ReturnType<typeof createSipAudioMetrics>;
