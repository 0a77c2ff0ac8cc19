import { z } from 'zod';

/** Messages between the legs benchmark (the server side) and its SIP-peers child process, over IPC. */
export const toPeersMessage = z.discriminatedUnion('type', [
  /** Open one UDP socket per leg; answer `opened` with their ports. */
  z.object({ type: z.literal('open'), count: z.number().int().min(1).max(2000) }),
  /** Start sending 20 ms G.711 frames to these leg ports (index i from socket i), and timing what comes back. */
  z.object({ type: z.literal('start'), legPorts: z.array(z.number().int().min(1).max(65535)), payloadType: z.number().int().min(0).max(127) }),
  /** Begin the measured window: reset the gap statistics. */
  z.object({ type: z.literal('measure') }),
  /** Stop sending; answer `report`; close the sockets. */
  z.object({ type: z.literal('stop') }),
]);
export type ToPeersMessage = z.infer<typeof toPeersMessage>;

export const fromPeersMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opened'), ports: z.array(z.number().int()) }),
  z.object({
    type: z.literal('report'),
    /** Per leg, over the measured window: packets received and the longest time between two of them. */
    legs: z.array(z.object({ received: z.number().int(), maxGapMs: z.number(), gaps: z.number().int() })),
    /** Sender timer lateness beyond 20 ms (the peers' own CPU starvation shows here, not as leg gaps). */
    senderMaxLateMs: z.number(),
  }),
]);
export type FromPeersMessage = z.infer<typeof fromPeersMessage>;

/** An inter-arrival time above this is an audible gap (a jitter buffer of 40-60 ms runs dry). */
export const GAP_MS = 60;
