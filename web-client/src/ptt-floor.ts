import { FloorState, type FloorRevokeReason } from '../../protocol/signalling.js';
import type { SignallingClient } from './signalling-client.js';

/** This member's own view of the floor, for the cue: what the last press led to. */
export type PttStatus = 'idle' | 'requesting' | 'granted' | 'queued' | 'denied' | 'revoked';

/** Wall-clock ms (comparable across pages of one machine), for access-time measurements. */
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Push-to-talk for one talk-group membership: press asks for the floor, release lets it go (or leaves
 * the queue). The server decides; this only tracks what it said. The mic stays produced: the server
 * forwards it only while this member holds the floor.
 */
export class PttFloor {
  state: FloorState | null = null;
  status: PttStatus = 'idle';
  position = 0;
  reason = '';
  /** Status changes with their wall-clock time, newest last (diagnostics and benchmarks). */
  readonly log: { at: number; status: PttStatus }[] = [];
  #pressed = false;
  #press = 0;

  constructor(
    private readonly signalling: SignallingClient,
    private readonly selfId: () => string,
    private readonly changed: () => void,
  ) {}

  get pressed(): boolean {
    return this.#pressed;
  }

  reset(state: FloorState | null): void {
    this.state = state;
    this.#pressed = false;
    this.#set('idle');
  }

  async press(emergency = false): Promise<void> {
    if (this.#pressed && !emergency) return;
    this.#pressed = true;
    const press = ++this.#press;
    this.log.push({ at: wallNow(), status: 'requesting' });
    if (this.status !== 'granted') this.#set('requesting');
    try {
      const outcome = await this.signalling.request('requestFloor', { emergency });
      if (press !== this.#press || !this.#pressed) return; // let go before the answer: release() handled it
      // A revoke can overtake the reply (pre-empted at once): the later news wins.
      if (outcome.result === 'granted') {
        if (this.status !== 'revoked') this.#set('granted');
      }
      else if (outcome.result === 'queued') {
        this.position = outcome.position;
        if (this.status !== 'granted') this.#set('queued');
      } else {
        this.reason = outcome.reason;
        this.#set('denied');
      }
    } catch (err) {
      if (press !== this.#press) return;
      this.reason = err instanceof Error ? err.message : String(err);
      this.#set('denied');
    }
  }

  async release(): Promise<void> {
    if (!this.#pressed) return;
    this.#pressed = false;
    this.#press++;
    const wasActive = this.status === 'granted' || this.status === 'queued' || this.status === 'requesting';
    if (this.status !== 'denied' && this.status !== 'revoked') this.#set('idle');
    if (wasActive) await this.signalling.request('releaseFloor', {}).catch(() => undefined);
  }

  onFloorState(raw: unknown): void {
    const parsed = FloorState.safeParse(raw);
    if (!parsed.success) return;
    this.state = parsed.data;
    const me = this.selfId();
    if (parsed.data.holder?.peerId === me) {
      if (this.#pressed) this.#set('granted');
    } else if (this.status === 'queued') {
      this.position = parsed.data.queue.indexOf(me) + 1;
    } else if (this.status === 'granted') {
      this.#set(this.#pressed ? 'revoked' : 'idle');
    }
    this.changed();
  }

  onRevoked(reason: FloorRevokeReason): void {
    this.reason = reason;
    this.#set('revoked');
  }

  #set(status: PttStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.log.push({ at: wallNow(), status });
    this.changed();
  }
}
