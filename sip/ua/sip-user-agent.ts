import type { Logger } from 'pino';
import { Invitation, Inviter, Registerer, RegistererState, UserAgent, type Session, type Core } from 'sip.js';
import WebSocket from 'ws';
import { TypedEmitter } from '../../media/typed-emitter.js';
import { backoffMs } from '../../server/feeds/backoff.js';
import { LegDescriptionHandler, type SdpBinding } from './leg-description-handler.js';

// sip.js's WebSocket transport uses the browser's global; Node 20 has none.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export interface SipUserAgentOptions {
  /** ws://127.0.0.1:PORT of Kamailio's private WebSocket listener. */
  server: string;
  domain: string;
  /** The AOR user Kamailio routes every call from the network to. */
  user: string;
  logger: Logger;
}

type UaEvents = {
  /** An INVITE from the network, with Kamailio's X-Dialled / X-Trunk / X-Sip-User headers. */
  invite: [Invitation];
  /** Registered again after a (re)connect: calls can arrive. */
  registered: [];
};

/**
 * The server's own SIP user agent: one sip.js UserAgent over a WebSocket to Kamailio, registered as
 * `user@domain`, reconnecting and re-registering when Kamailio restarts.
 */
export class SipUserAgent extends TypedEmitter<UaEvents> {
  readonly #ua: UserAgent;
  readonly #registerer: Registerer;
  /** Each session's SDP comes from its call, found by the session the factory is asked for. */
  readonly #bindings = new WeakMap<Session, SdpBinding>();
  #stopped = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: SipUserAgentOptions) {
    super();
    const { logger } = options;
    const uri = UserAgent.makeURI(`sip:${options.user}@${options.domain}`);
    if (!uri) throw new Error(`bad SIP domain ${options.domain}`);
    this.#ua = new UserAgent({
      uri,
      transportOptions: { server: options.server, traceSip: false },
      displayName: 'emergency-command',
      userAgentString: 'emergency-command gateway',
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        if (level === 'error') logger.warn({ category, sip: content }, 'sip.js');
        else logger.debug({ category, sip: content }, 'sip.js');
      },
      sessionDescriptionHandlerFactory: (session) => {
        const binding = this.#bindings.get(session);
        if (!binding) throw new Error('session without a media binding');
        return new LegDescriptionHandler(binding);
      },
      delegate: {
        onInvite: (invitation) => this.emit('invite', invitation),
        onConnect: () => {
          this.#attempt = 0;
          void this.#register();
        },
        onDisconnect: (error) => {
          if (this.#stopped) return;
          logger.warn({ err: error }, 'SIP user agent lost Kamailio; reconnecting');
          this.#reconnectLater();
        },
      },
    });
    this.#registerer = new Registerer(this.#ua, { expires: 300, refreshFrequency: 80 });
  }

  get registered(): boolean {
    return this.#registerer.state === RegistererState.Registered;
  }

  async start(): Promise<void> {
    await this.#ua.start();
  }

  /** Attaches the call's SDP to a session before sip.js asks for it (before accept() or invite()). */
  bind(session: Session, binding: SdpBinding): void {
    this.#bindings.set(session, binding);
  }

  inviter(target: string, extraHeaders: string[]): Inviter {
    const uri = UserAgent.makeURI(target);
    if (!uri) throw new Error(`not a SIP URI: ${target}`);
    return new Inviter(this.#ua, uri, { extraHeaders });
  }

  /** An in-dialog OPTIONS (keepalive); resolves with the status code, 408 when nothing came back. */
  ping(session: Session, timeoutMs: number): Promise<number> {
    const dialog = session.dialog;
    if (!dialog) return Promise.resolve(481);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(408), timeoutMs);
      const done = (response: Core.IncomingResponse) => {
        clearTimeout(timer);
        resolve(response.message.statusCode ?? 500);
      };
      // The public type hides it, but the confirmed dialog is a core Dialog, which builds in-dialog requests.
      const core = dialog as unknown as { createOutgoingRequestMessage(method: string): Core.OutgoingRequestMessage };
      this.#ua.userAgentCore.request(core.createOutgoingRequestMessage('OPTIONS'), { onAccept: done, onReject: done });
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#registerer.unregister().catch(() => undefined);
    await this.#ua.stop().catch(() => undefined);
  }

  async #register(): Promise<void> {
    try {
      await this.#registerer.register({
        requestDelegate: {
          onAccept: () => {
            this.options.logger.info({ aor: `${this.options.user}@${this.options.domain}` }, 'SIP user agent registered');
            this.emit('registered');
          },
          onReject: (r) => this.options.logger.error({ status: r.message.statusCode }, 'SIP user agent registration refused'),
        },
      });
    } catch (err) {
      this.options.logger.error({ err }, 'SIP user agent could not register');
    }
  }

  #reconnectLater(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (this.#stopped || this.#ua.isConnected()) return;
      this.#ua.reconnect().catch(() => this.#reconnectLater());
    }, backoffMs(this.#attempt++, 250, 5000));
  }
}
