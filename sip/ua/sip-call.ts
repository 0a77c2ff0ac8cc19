import { Invitation, Inviter, SessionState, type Info, type Session } from 'sip.js';
import { TypedEmitter } from '../../media/typed-emitter.js';
import type { SipUserAgent } from './sip-user-agent.js';

export type CallState = 'ringing' | 'connected' | 'ended';

type CallEvents = {
  state: [CallState];
  /** A digit sent as SIP INFO (application/dtmf-relay or application/dtmf). */
  dtmf: [digit: string];
  /** A radio gateway's key-up (true) or unkey (false) sent as SIP INFO. */
  keyedInfo: [keyed: boolean];
  /** Why it ended: 'local', 'remote', 'rejected <code>', 'keepalive', or what failed. */
  ended: [reason: string];
};

const DTMF_DIGIT = /^[0-9*#A-D]$/i;

/** A digit from an INFO body: `Signal=5` (dtmf-relay) or a bare digit (application/dtmf). */
export function dtmfFromInfo(contentType: string, body: string): string | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dtmf-relay') {
    const signal = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
    if (signal === '10') return '*';
    if (signal === '11') return '#';
    return signal && DTMF_DIGIT.test(signal) ? signal.toUpperCase() : undefined;
  }
  if (type === 'application/dtmf') {
    const d = body.trim();
    return DTMF_DIGIT.test(d) ? d.toUpperCase() : undefined;
  }
  return undefined;
}

/**
 * Keying by SIP INFO, as radio gateways send it: `application/x-ptt` (or text/plain) with a body
 * `PTT: on|off` (also `keyed=1|0`, `key-up` / `key-down`).
 */
export function keyingFromInfo(contentType: string, body: string): boolean | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (!['application/x-ptt', 'application/ptt', 'text/plain'].includes(type)) return undefined;
  const b = body.trim().toLowerCase();
  if (/^(ptt\s*[:=]\s*(on|1|true)|keyed\s*[:=]\s*(on|1|true)|key-?up)$/.test(b)) return true;
  if (/^(ptt\s*[:=]\s*(off|0|false)|keyed\s*[:=]\s*(off|0|false)|key-?down|unkey(ed)?)$/.test(b)) return false;
  return undefined;
}

export interface CallOptions {
  /** In-dialog OPTIONS every so often; a 408 or 481 means the peer is gone. null: no keepalive. */
  keepaliveMs: number | null;
}

/** One SIP call of the gateway (either direction): its state, its INFO messages, its end. */
export class SipCall extends TypedEmitter<CallEvents> {
  #state: CallState = 'ringing';
  #keepalive: NodeJS.Timeout | undefined;
  #endReason: string | undefined;

  constructor(
    readonly session: Session,
    private readonly ua: SipUserAgent,
    private readonly options: CallOptions,
  ) {
    super();
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) this.#setState('connected');
      if (s === SessionState.Terminated) this.#end(this.#endReason ?? 'remote');
    });
    session.delegate = {
      onInfo: (info) => this.#onInfo(info),
      // Setting onBye means sip.js no longer answers BYE itself.
      onBye: (bye) => {
        this.#endReason ??= 'remote';
        void bye.accept().catch(() => undefined);
      },
    };
  }

  get state(): CallState {
    return this.#state;
  }

  get direction(): 'in' | 'out' {
    return this.session instanceof Invitation ? 'in' : 'out';
  }

  /** Ends the call whatever its state: BYE, CANCEL or a rejection. */
  hangUp(reason = 'local'): void {
    this.#endReason ??= reason;
    const s = this.session;
    const ignore = () => undefined;
    switch (s.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (s instanceof Inviter) void s.cancel().catch(ignore);
        else if (s instanceof Invitation) void s.reject({ statusCode: 486 }).catch(ignore);
        break;
      case SessionState.Established:
        void s.bye().catch(ignore);
        break;
      default:
        break;
    }
    // A peer that never answers the BYE or CANCEL must not keep the call (and its media) alive.
    if (s.state !== SessionState.Terminated) setTimeout(() => this.#end(this.#endReason ?? reason), 5000).unref();
    else this.#end(this.#endReason);
  }

  /** For a rejection that ended the session before it started (the Terminated event names no code). */
  noteEndReason(reason: string): void {
    this.#endReason ??= reason;
  }

  #setState(state: CallState): void {
    if (this.#state === state || this.#state === 'ended') return;
    this.#state = state;
    this.emit('state', state);
    if (state === 'connected') this.#startKeepalive();
  }

  #end(reason: string): void {
    if (this.#state === 'ended') return;
    clearInterval(this.#keepalive);
    this.#state = 'ended';
    this.emit('state', 'ended');
    this.emit('ended', reason);
  }

  #startKeepalive(): void {
    const every = this.options.keepaliveMs;
    if (every === null) return;
    let inFlight = false;
    this.#keepalive = setInterval(() => {
      if (inFlight || this.#state !== 'connected') return;
      inFlight = true;
      void this.ua.ping(this.session, Math.min(every, 8000)).then((code) => {
        inFlight = false;
        // Any answer but "no such call" or silence means the peer still has the call.
        if (code === 408 || code === 481) this.hangUp('keepalive');
      });
    }, every);
    this.#keepalive.unref();
  }

  #onInfo(info: Info): void {
    const { request } = info;
    const contentType = request.getHeader('Content-Type') ?? '';
    const body = request.body ?? '';
    const digit = dtmfFromInfo(contentType, body);
    const keyed = digit === undefined ? keyingFromInfo(contentType, body) : undefined;
    if (digit === undefined && keyed === undefined) {
      void info.reject({ statusCode: 415 }).catch(() => undefined);
      return;
    }
    void info.accept().catch(() => undefined);
    if (digit !== undefined) this.emit('dtmf', digit);
    if (keyed !== undefined) this.emit('keyedInfo', keyed);
  }
}
