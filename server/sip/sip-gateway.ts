import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import client, { type Registry } from 'prom-client';
import { SessionState, type Invitation } from 'sip.js';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import type { SipCallInfo } from '../../protocol/signalling.js';
import { createSipAudioMetrics, type SipAudioMetrics } from '../../media/sip-audio/metrics.js';
import { RoomAudioMixer } from '../../media/sip-audio/room-audio-mixer.js';
import type { SipLegOptions } from '../../media/sip-audio/sip-audio-leg.js';
import { KamailioProcess } from '../../sip/edge/kamailio-process.js';
import { DEFAULT_MODULE_PATH } from '../../sip/edge/kamailio-config.js';
import type { SipSettings, Trunk } from '../../sip/settings.js';
import { buildSdp, chooseCodec, OFFER_CODECS, OFFER_TELEPHONE_EVENT_PT, parseAudio, SdpError, telephoneEventFor, type RemoteAudio, type SdpCodec } from '../../sip/ua/sdp.js';
import { SipCall } from '../../sip/ua/sip-call.js';
import { SipUserAgent } from '../../sip/ua/sip-user-agent.js';
import type { AccountStore } from '../auth/account-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { OrgTree } from '../org/org-tree.js';
import type { Room } from '../rooms/room.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { RoomDefinition, RoomStore } from '../rooms/room-store.js';
import { CallBridge } from './call-bridge.js';
import { resolveDialTarget } from './dial-target.js';
import type { RoomNumbers } from './room-numbers.js';

export interface SipGatewayConfig {
  host: string;
  port: number;
  tlsPort: number;
  domain: string;
  wsPort: number;
  rtpIp: string;
  rtpPortRange: { min: number; max: number } | undefined;
  rtpTimeoutMs: number | null;
  keepaliveMs: number | null;
  floodLimit: number;
  banSeconds: number;
  kamailioBin: string;
  dir: string;
}

export interface SipGatewayDeps {
  config: SipGatewayConfig;
  settings: SipSettings;
  tls: { certPath: string; keyPath: string } | undefined;
  rooms: RoomManager;
  roomStore: RoomStore;
  roomNumbers: RoomNumbers;
  accounts: AccountStore;
  orgTree: () => OrgTree;
  audit: AuditLog;
  logger: Logger;
  /** The server's Prometheus registry: the mixers' packet and gap counters go there. */
  registry: Registry | undefined;
}

const GATEWAY_USER = 'gateway';

/**
 * The SIP gateway: Kamailio at the edge, the server's user agent behind it, and each call bridged into
 * a room through the room's audio mixer (made on the first call, closed after the last).
 */
export class SipGateway {
  readonly #edge: KamailioProcess;
  readonly #ua: SipUserAgent;
  readonly #calls = new Map<string, CallBridge>();
  readonly #mixers = new Map<Room, Promise<RoomAudioMixer>>();
  readonly #logger: Logger;
  readonly #metrics: SipAudioMetrics;

  constructor(private readonly deps: SipGatewayDeps) {
    const { config, settings, logger } = deps;
    this.#logger = logger.child({ component: 'sip' });
    this.#metrics = createSipAudioMetrics(deps.registry);
    const registers = deps.registry ? [deps.registry] : [];
    const calls = this.#calls;
    new client.Gauge({ name: 'ecs_sip_calls', help: 'SIP calls in rooms (ringing or connected)', registers, collect() { this.set(calls.size); } });
    const edgeExits = new client.Counter({ name: 'ecs_sip_edge_exits_total', help: 'Times the SIP edge (Kamailio) exited and was restarted', registers });
    this.#edge = new KamailioProcess({
      bin: config.kamailioBin,
      dir: config.dir,
      sharedMemoryMb: 64,
      logger: this.#logger,
      edge: {
        listenHost: config.host,
        sipPort: config.port,
        ...(deps.tls ? { tls: { port: config.tlsPort, ...deps.tls } } : {}),
        domain: config.domain,
        wsPort: config.wsPort,
        rpcToken: randomUUID().replace(/-/g, ''),
        gatewayUser: GATEWAY_USER,
        trunks: settings.trunks,
        pikeDensity: config.floodLimit,
        banSeconds: config.banSeconds,
        modulePath: DEFAULT_MODULE_PATH,
        children: 2,
      },
    });
    this.#ua = new SipUserAgent({ server: `ws://127.0.0.1:${config.wsPort}`, domain: config.domain, user: GATEWAY_USER, logger: this.#logger });
    this.#ua.on('invite', (invitation) => void this.#onInvite(invitation));
    // Kamailio keeps credentials in memory: after every (re)start they go in again.
    this.#edge.on('ready', () => void this.#pushCredentials());
    this.#edge.on('exited', () => edgeExits.inc());
    deps.accounts.onDigest = (username, ha1) => {
      if (this.#edge.ready) void this.#edge.rpc.setCredential(username, ha1).catch((err: unknown) => this.#logger.warn({ err }, 'could not hand a SIP credential to Kamailio'));
    };
  }

  async start(): Promise<void> {
    // Every room has its number before the first call comes in.
    for (const room of await this.deps.roomStore.all()) await this.deps.roomNumbers.numberOf(room.id);
    await this.#edge.start();
    await this.#ua.start();
    await new Promise<void>((resolve) => {
      if (this.#ua.registered) return resolve();
      const timer = setTimeout(resolve, 5000);
      this.#ua.on('registered', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const { config } = this.deps;
    this.#logger.info({ port: config.port, tls: this.deps.tls ? config.tlsPort : null, domain: config.domain, trunks: this.deps.settings.trunks.length }, 'SIP gateway running');
  }

  async stop(): Promise<void> {
    for (const bridge of this.#calls.values()) bridge.call.hangUp('server stopping');
    await new Promise((r) => setTimeout(r, this.#calls.size ? 300 : 0));
    for (const bridge of [...this.#calls.values()]) this.#finish(bridge, 'server stopping');
    await this.#ua.stop();
    await this.#edge.stop();
  }

  /** A commander's call out into a room. Returns the SIP peer's id at once; the call rings on. */
  async dialOut(definition: RoomDefinition, target: string, trunkName: string | undefined, by: PublicUser): Promise<string> {
    const { config, settings } = this.deps;
    const dial = resolveDialTarget(target, trunkName, config.domain, settings.trunks);
    if (!this.#ua.registered) throw new AppError(ErrorCode.InvalidState, 'the SIP gateway is not connected yet; retry');
    const room = await this.deps.rooms.open(definition);
    const peerId = randomUUID();
    const info: SipCallInfo = { state: 'ringing', direction: 'out', number: target, kind: dial.kind, ...(dial.trunk ? { trunk: dial.trunk.name } : {}) };
    // A registered device is shown as its account (its name, unit and talk-group rank).
    const deviceUser = dial.kind === 'device' ? /^sip:([^@]+)@/.exec(dial.uri)?.[1] : undefined;
    const account = deviceUser ? (await this.deps.accounts.all()).find((a) => a.username === deviceUser) : undefined;
    const user = account ?? this.#callerUser(room, target, target, dial.trunk);
    room.addSipPeer(peerId, user, info);
    void this.#placeCall(room, peerId, info, dial.uri, dial.codecs.map((c) => OFFER_CODECS[c]), dial.trunk, by).catch((err: unknown) => {
      this.#logger.error({ err, peerId }, 'dial-out failed');
      room.removeSipPeer(peerId);
      this.deps.rooms.closeIfEmpty(room);
    });
    return peerId;
  }

  /** Ends a SIP participant's call; false when no such call is in that room. */
  hangUp(roomId: string, peerId: string): boolean {
    const bridge = this.#calls.get(peerId);
    if (!bridge || bridge.room.id !== roomId) return false;
    bridge.call.hangUp('local');
    return true;
  }

  callCount(): number {
    return this.#calls.size;
  }

  async #placeCall(room: Room, peerId: string, info: SipCallInfo, uri: string, codecs: SdpCodec[], trunk: Trunk | undefined, by: PublicUser): Promise<void> {
    const mixer = await this.#mixerFor(room);
    for (const [i, codec] of codecs.entries()) {
      if (!room.hasSipPeer(peerId)) return; // hung up while trying
      const leg = await mixer.addLeg(this.#legOptions(peerId, codec, OFFER_TELEPHONE_EVENT_PT, trunk));
      const inviter = this.#ua.inviter(uri, [`X-Room: ${room.id}`]);
      const sessionId = Date.now();
      this.#ua.bind(inviter, {
        local: () => buildSdp({ address: this.deps.config.rtpIp, port: leg.rtpPort, codec, telephoneEventPayloadType: OFFER_TELEPHONE_EVENT_PT, sessionId, version: 1 }),
        remote: (answer) => {
          if (!answer.formats.some((f) => f.payloadType === codec.payloadType)) throw new SdpError('answer without the offered codec');
          if (answer.port > 0) leg.setRemote(answer.address, answer.port);
        },
      });
      const call = new SipCall(inviter, this.#ua, { keepaliveMs: this.deps.config.keepaliveMs });
      const bridge = new CallBridge(peerId, room, call, info, this.#logger);
      this.#calls.set(peerId, bridge);
      bridge.attachLeg(leg);
      let rejected: number | undefined;
      let reason = 'remote';
      call.on('ended', (why) => (reason = why));
      const outcome = new Promise<'connected' | 'ended'>((resolve) => {
        call.on('state', (st) => st !== 'ringing' && resolve(st === 'connected' ? 'connected' : 'ended'));
      });
      await inviter.invite({
        requestDelegate: {
          onReject: (response) => {
            rejected = response.message.statusCode;
            call.noteEndReason(`rejected ${rejected}`);
          },
        },
      }).catch((err: unknown) => call.noteEndReason(`failed: ${(err as Error).message}`));
      if (inviter.state === SessionState.Terminated) call.hangUp(`rejected ${rejected ?? ''}`.trim());
      if ((await outcome) === 'connected') {
        call.on('ended', (why) => this.#finish(bridge, why));
        if (call.state === 'ended') return this.#finish(bridge, reason);
        await room.addSipProducer(peerId, leg.producer);
        await this.deps.audit.record({ actor: by.username, action: 'sip.dial', target: room.id, outcome: 'ok', detail: { peerId, uri, codec: codec.name } });
        return;
      }
      // Not acceptable here: the next codec gets a fresh leg under the same peer; any other refusal ends it.
      const retry = (rejected === 488 || rejected === 415) && i < codecs.length - 1 && room.hasSipPeer(peerId);
      this.#finish(bridge, reason, retry);
      if (!retry) break;
    }
    await this.deps.audit.record({ actor: by.username, action: 'sip.dial', target: room.id, outcome: 'failed', detail: { peerId, uri } });
  }

  async #onInvite(invitation: Invitation): Promise<void> {
    const request = invitation.request;
    const dialled = request.getHeader('X-Dialled') ?? '';
    const trunkName = request.getHeader('X-Trunk');
    const sipUser = request.getHeader('X-Sip-User');
    const from = invitation.remoteIdentity;
    const caller = from.uri.user ?? from.uri.host;
    const reject = (statusCode: number, why: string) => {
      this.#logger.info({ dialled, caller, statusCode, why }, 'incoming SIP call refused');
      void invitation.reject({ statusCode }).catch(() => undefined);
      void this.deps.audit.record({ actor: `sip:${caller}`, action: 'sip.call', target: dialled, outcome: 'denied', detail: { statusCode, why } });
    };
    try {
      const trunk = trunkName ? this.deps.settings.trunks.find((t) => t.name === trunkName) : undefined;
      const definition = await this.#roomFor(dialled);
      if (!definition) return reject(404, 'no room with that number');
      const account = sipUser ? (await this.deps.accounts.all()).find((a) => a.username === sipUser) : undefined;
      if (!trunk && !account) return reject(403, 'neither a trunk nor an account');
      if (account && !this.deps.orgTree().canAccess(account.orgUnitId, definition.orgUnitId)) return reject(403, 'room outside the caller\'s organisation');
      let offer: RemoteAudio;
      try {
        offer = parseAudio(invitation.body ?? '');
      } catch (err) {
        return reject(488, (err as Error).message);
      }
      const codec = chooseCodec(offer);
      if (!codec) return reject(488, 'no common codec');
      const te = telephoneEventFor(offer, codec);

      const room = await this.deps.rooms.open(definition);
      const mixer = await this.#mixerFor(room);
      const peerId = randomUUID();
      const leg = await mixer.addLeg(this.#legOptions(peerId, codec, te, trunk));
      if (offer.port > 0) leg.setRemote(offer.address, offer.port);
      const info: SipCallInfo = {
        state: 'ringing', direction: 'in', number: dialled, kind: trunk?.kind ?? 'device',
        ...(from.displayName || caller ? { display: from.displayName || caller } : {}),
        ...(trunk ? { trunk: trunk.name } : {}),
      };
      room.addSipPeer(peerId, account ?? this.#callerUser(room, caller, from.displayName || caller, trunk), info);
      const sessionId = Date.now();
      this.#ua.bind(invitation, {
        local: () => buildSdp({ address: this.deps.config.rtpIp, port: leg.rtpPort, codec, telephoneEventPayloadType: te, sessionId, version: 1 }),
        remote: (audio) => {
          if (audio.port > 0) leg.setRemote(audio.address, audio.port);
        },
      });
      const call = new SipCall(invitation, this.#ua, { keepaliveMs: this.deps.config.keepaliveMs });
      const bridge = new CallBridge(peerId, room, call, info, this.#logger);
      this.#calls.set(peerId, bridge);
      bridge.attachLeg(leg);
      call.on('ended', (reason) => this.#finish(bridge, reason));
      await room.addSipProducer(peerId, leg.producer);
      await invitation.accept();
      this.#logger.info({ peerId, room: room.id, dialled, caller, codec: codec.name, trunk: trunk?.name }, 'incoming SIP call answered');
      await this.deps.audit.record({ actor: account?.username ?? `sip:${caller}`, action: 'sip.call', target: room.id, outcome: 'ok', detail: { peerId, dialled, trunk: trunk?.name, codec: codec.name } });
    } catch (err) {
      this.#logger.error({ err, dialled }, 'incoming SIP call failed');
      if (invitation.state === SessionState.Initial) reject(500, 'internal error');
    }
  }

  /** A number from the map, a room's own number, else a room id. */
  async #roomFor(dialled: string): Promise<RoomDefinition | undefined> {
    return this.deps.roomStore.get(await this.deps.roomNumbers.roomFor(dialled));
  }

  #legOptions(peerId: string, codec: SdpCodec, te: number | undefined, trunk: Trunk | undefined): SipLegOptions {
    const radio = trunk?.kind === 'radio';
    return {
      participantId: peerId,
      codec,
      ...(te !== undefined ? { telephoneEventPayloadType: te } : {}),
      rtpIp: this.deps.config.rtpIp,
      ...(this.deps.config.rtpPortRange ? { rtpPortRange: this.deps.config.rtpPortRange } : {}),
      // Silence on a radio channel is normal: only non-radio calls end on an RTP timeout.
      rtpTimeoutMs: radio ? null : this.deps.config.rtpTimeoutMs,
      ...(radio ? { radio: { keying: trunk.keying } } : {}),
    };
  }

  /** Whom a call from a trunk (or to a number) is shown as: the room's own unit, field-level rank. */
  #callerUser(room: Room, who: string, display: string, trunk: Trunk | undefined): PublicUser {
    return {
      id: `sip-${who.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 50) || 'caller'}`,
      username: `sip:${who}`,
      displayName: trunk ? `${display} (${trunk.name})` : display,
      orgUnitId: room.definition.orgUnitId,
      role: 'responder',
    };
  }

  #mixerFor(room: Room): Promise<RoomAudioMixer> {
    let mixer = this.#mixers.get(room);
    if (!mixer) {
      mixer = (async () => {
        const m = await RoomAudioMixer.create(room.router, { logger: this.#logger, metrics: this.#metrics });
        const add = (p: { producer: Parameters<RoomAudioMixer['addSource']>[0] }) => {
          if (p.producer.kind === 'audio') void m.addSource(p.producer).catch((err: unknown) => this.#logger.warn({ err }, 'mixer could not take a producer'));
        };
        room.on('producer', add);
        for (const p of room.producers()) add(p);
        const drop = () => {
          room.off('producer', add);
          this.#dropRoom(room);
        };
        room.on('closed', drop);
        room.on('mediaRebuilt', drop);
        return m;
      })();
      this.#mixers.set(room, mixer);
      mixer.catch(() => this.#mixers.delete(room));
    }
    return mixer;
  }

  /** The room closed or lost its media: its calls end and its mixer goes. */
  #dropRoom(room: Room): void {
    for (const bridge of [...this.#calls.values()]) {
      if (bridge.room === room) {
        bridge.call.hangUp('room closed');
        this.#finish(bridge, 'room closed');
      }
    }
    const mixer = this.#mixers.get(room);
    this.#mixers.delete(room);
    void mixer?.then((m) => m.close()).catch(() => undefined);
  }

  /** keepPeer: a codec retry follows under the same peer. */
  #finish(bridge: CallBridge, reason: string, keepPeer = false): void {
    if (this.#calls.get(bridge.peerId) !== bridge) return;
    this.#calls.delete(bridge.peerId);
    const { room } = bridge;
    if (keepPeer) {
      bridge.close(true);
      return;
    }
    this.#logger.info({ peerId: bridge.peerId, room: room.id, reason }, 'SIP call ended');
    room.setSipCall(bridge.peerId, { ...bridge.info, state: 'ended' });
    bridge.close();
    const mixer = this.#mixers.get(room);
    void mixer?.then((m) => {
      // The last call out of a room takes the mixer (and its consumers) with it.
      if (m.legCount() === 0 && this.#mixers.get(room) === mixer) {
        this.#mixers.delete(room);
        m.close();
      }
    });
    this.deps.rooms.closeIfEmpty(room);
  }

  async #pushCredentials(): Promise<void> {
    try {
      const credentials = await this.deps.accounts.digestCredentials();
      await Promise.all(credentials.map((c) => this.#edge.rpc.setCredential(c.username, c.ha1)));
      this.#logger.info({ accounts: credentials.length }, 'SIP credentials handed to Kamailio');
    } catch (err) {
      this.#logger.error({ err }, 'could not hand SIP credentials to Kamailio');
    }
  }
}
