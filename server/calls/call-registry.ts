import { randomUUID } from 'node:crypto';
import type { CallOutcome, Notification } from '../../protocol/signalling.js';

export interface Call {
  id: string;
  from: { id: string; displayName: string; orgUnitId: string };
  calleeId: string;
  roomId: string;
  roomName: string;
  notifyCaller: (n: Notification) => void;
  /** Every device of the callee that is ringing. */
  notifyCallee: ((n: Notification) => void)[];
  timer: NodeJS.Timeout;
}

/** Calls that are ringing on this node: each ends answered, declined, cancelled or missed (after `ringMs`). */
export class CallRegistry {
  readonly #calls = new Map<string, Call>();

  constructor(private readonly ringMs = 30_000) {}

  ring(call: Omit<Call, 'id' | 'timer'>): Call {
    const id = randomUUID();
    const full: Call = { ...call, id, timer: setTimeout(() => this.end(id, 'missed'), this.ringMs) };
    this.#calls.set(id, full);
    for (const notify of full.notifyCallee) notify({ type: 'incomingCall', data: { callId: id, from: full.from, roomId: full.roomId, roomName: full.roomName } });
    return full;
  }

  get(id: string): Call | undefined {
    return this.#calls.get(id);
  }

  /** The callee picked up on one device: the caller hears so, the callee's other devices stop ringing. */
  answered(id: string, by: { id: string; displayName: string }, answeringDevice: (n: Notification) => void): Call | undefined {
    const call = this.#take(id);
    if (!call) return undefined;
    call.notifyCaller({ type: 'callAnswered', data: { callId: id, by } });
    for (const notify of call.notifyCallee) if (notify !== answeringDevice) notify({ type: 'callEnded', data: { callId: id, outcome: 'answered-elsewhere' } });
    return call;
  }

  end(id: string, outcome: Exclude<CallOutcome, 'answered-elsewhere'>): Call | undefined {
    const call = this.#take(id);
    if (!call) return undefined;
    const ended: Notification = { type: 'callEnded', data: { callId: id, outcome } };
    call.notifyCaller(ended);
    for (const notify of call.notifyCallee) notify(ended);
    return call;
  }

  #take(id: string): Call | undefined {
    const call = this.#calls.get(id);
    if (!call) return undefined;
    clearTimeout(call.timer);
    this.#calls.delete(id);
    return call;
  }
}
