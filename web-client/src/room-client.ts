import type { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { AudibleSpeakers, DispatchMessage, MapMarker, MediaSource, Notification, PeerInfo, Position, ProducerInfo, TransportDirection } from '../../protocol/signalling.js';
import type { RoomLayout, RoomMode } from '../../protocol/http.js';
import type { RecordingState } from '../../protocol/recording.js';
import { AudioRelease, audioToReceive } from './audible-audio.js';
import type { DeviceCache } from './device-cache.js';
import { marks } from './diagnostics.js';
import { PttFloor } from './ptt-floor.js';
import { SendLayers } from './send-layers.js';
import type { SignallingClient } from './signalling-client.js';

export interface RemotePeer {
  info: PeerInfo;
  producers: Map<string, ProducerInfo>;
}

export interface LocalMediaOptions {
  stream: MediaStream;
  /** Resolves when the stream has its tracks (opening the camera overlaps joining). */
  ready: Promise<unknown>;
  preferH264: boolean;
  devices: DeviceCache;
  /** A field phone sends video but needs only the incident's audio back. */
  receiveVideo?: boolean;
  /**
   * Where the encoder's bandwidth estimate starts (kbit/s). A field phone on 4G or satellite starts low
   * and climbs as the estimate grows, instead of flooding a thin link with the top layer first.
   */
  startBitrateKbps?: number;
}

export interface ReportedPosition {
  user: { id: string; displayName: string; orgUnitId: string };
  position: Position;
}

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'recovering';

type Listener = () => void;

/** Camera capture and its three simulcast layers: 1/4, 1/2 and full size. */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
  { scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
];
const ICE_RESTART_DELAY_MS = 1500;

/**
 * One browser's membership of a room: publishes its tracks, consumes the others', and puts itself back
 * together after a lost connection (socket reconnect), a lost path (ICE restart) or a server media
 * restart (roomReset), without a page reload. Every (re)join runs as a numbered generation; work from
 * an older generation stops when it sees a newer one.
 */
export class RoomClient {
  readonly peers = new Map<string, RemotePeer>();
  /** Consumers by producer id. */
  readonly consumers = new Map<string, types.Consumer>();
  activeSpeaker: string | null = null;
  /** Positions others reported while this client was in the room, in arrival order. */
  readonly positions: ReportedPosition[] = [];
  /** Dispatched text this member received (and sent), oldest first. */
  readonly messages: DispatchMessage[] = [];
  markers: MapMarker[] = [];
  /** The room's recording (everyone sees the REC indicator); null when not recording. */
  recording: RecordingState = null;
  /** Device pixels a new video will be shown at (the UI keeps this current); picks its first layer. */
  displayHeightHint = 0;
  state: ConnectionState = 'connecting';
  peerId = '';
  /** Talk groups: the floor and this member's push-to-talk. */
  readonly floor: PttFloor;
  /** From the join reply: how the console lays the room out. */
  layout: RoomLayout = 'gallery';
  /** The room's last-N speakers: in a large room only their audio is received. */
  audible: AudibleSpeakers | null = null;
  /** Whom a commander pinned in the consultation spotlight. */
  spotlightPin: string | null = null;

  #generation = 0;
  #device: Device | undefined;
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  /** The recv transport of the join in progress, for consumes sent before it exists. */
  #recvReady: Promise<types.Transport> | undefined;
  readonly #producers = new Map<MediaSource, types.Producer>();
  /** The camera's simulcast layers on the wire (dynacast); the uplink cap outlives a rejoin, the server's word does not. */
  #cameraLayers: SendLayers | undefined;
  #uplinkLayerCap = SIMULCAST.length - 1;
  /** Video producers the UI shows: only these are consumed (no full mesh in a large room). */
  readonly #shownVideo = new Set<string>();
  /** Producers with a consume on its way, so a second call does not make a second consumer. */
  readonly #consuming = new Set<string>();
  readonly #audioRelease = new AudioRelease();
  readonly #listeners = new Set<Listener>();
  /** Mute state survives a rejoin: sources paused before it are paused again after it. */
  #pausedAtTeardown = new Set<MediaSource>();
  #closed = false;
  /** Feeds this browser asked to watch; asked again after a rejoin, since the server forgot them. */
  readonly watchedFeeds = new Set<string>();
  /** The last key a SIP participant pressed (shown on its tile a moment). */
  lastDtmf: { peerId: string; digit: string; at: number } | null = null;

  constructor(
    readonly signalling: SignallingClient,
    readonly roomId: string,
    private readonly local: LocalMediaOptions,
    /** From the room list; the join reply confirms it. */
    public mode: RoomMode = 'conference',
  ) {
    this.floor = new PttFloor(signalling, () => this.peerId, () => this.#changed());
    const onDisconnect = () => this.#setState('offline');
    const onReconnect = () => void this.#join('recovering');
    const offNotification = signalling.onNotification((n) => void this.#onNotification(n));
    signalling.socket.on('disconnect', onDisconnect);
    signalling.socket.io.on('reconnect', onReconnect);
    this.#detach = () => {
      offNotification();
      signalling.socket.off('disconnect', onDisconnect);
      signalling.socket.io.off('reconnect', onReconnect);
    };
  }

  readonly #detach: () => void;

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): Promise<void> {
    return this.#join('connecting');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    this.#detach();
    await this.signalling.request('leaveRoom', {}).catch(() => undefined);
    this.#teardown();
  }

  localProducer(source: MediaSource): types.Producer | undefined {
    return this.#producers.get(source);
  }

  async setPaused(source: 'mic' | 'camera', paused: boolean): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.signalling.request('setProducerPaused', { producerId: producer.id, paused });
    this.#changed();
  }

  /** Caps the camera's simulcast layers for a thin uplink (the field page's bandwidth guard). */
  capCameraLayers(layer: number): void {
    this.#uplinkLayerCap = layer;
    this.#cameraLayers?.setCap(layer);
  }

  /** Switches to another microphone or camera without renegotiating. */
  async replaceTrack(source: 'mic' | 'camera', track: MediaStreamTrack): Promise<void> {
    const old = source === 'mic' ? this.local.stream.getAudioTracks()[0] : this.local.stream.getVideoTracks()[0];
    if (old) {
      this.local.stream.removeTrack(old);
      old.stop();
    }
    this.local.stream.addTrack(track);
    await this.#producers.get(source)?.replaceTrack({ track });
    this.#changed();
  }

  /** Brings a camera feed into this room; its tile appears for everyone here. */
  async watchFeed(sourceId: string): Promise<void> {
    // Before the join is through, the join asks for it itself once it is.
    if (this.state === 'online') await this.signalling.request('watchFeed', { sourceId });
    this.watchedFeeds.add(sourceId);
    this.#changed();
  }

  async unwatchFeed(sourceId: string): Promise<void> {
    this.watchedFeeds.delete(sourceId);
    this.#changed();
    await this.signalling.request('unwatchFeed', { sourceId });
  }

  /**
   * The videos the UI shows now. Only these are received: one coming into view is consumed, one going
   * out of view has its consumer closed, so a viewer of a 200-endpoint room costs the server its page.
   */
  async setShownVideos(producerIds: ReadonlySet<string>): Promise<void> {
    const added = [...producerIds].filter((id) => !this.#shownVideo.has(id));
    const removed = [...this.#shownVideo].filter((id) => !producerIds.has(id));
    if (added.length === 0 && removed.length === 0) return;
    this.#shownVideo.clear();
    for (const id of producerIds) this.#shownVideo.add(id);
    const generation = this.#generation;
    await Promise.all([...removed.map((id) => this.#stopReceiving(id)), ...added.map((id) => this.#consume(id, generation))]);
  }

  /** Commanders: puts a member in everyone's consultation spotlight (null: back to automatic). */
  async pinSpotlight(peerId: string | null): Promise<void> {
    await this.signalling.request('pinSpotlight', { peerId });
  }

  /** Reports the size a video is shown at; the server picks the simulcast layer to match. */
  async setDisplaySize(producerId: string, width: number, height: number): Promise<void> {
    const consumer = this.consumers.get(producerId);
    if (!consumer || consumer.kind !== 'video') return;
    await this.signalling.request('setConsumerDisplaySize', { consumerId: consumer.id, width: Math.round(width), height: Math.round(height) });
  }

  async #join(state: ConnectionState): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    const stale = () => generation !== this.#generation || this.#closed;
    try {
      marks['joinSent'] ??= performance.now();
      const joining = this.signalling.request('joinRoom', { roomId: this.roomId, ...(this.peerId ? { previousPeerId: this.peerId } : {}) });
      // The old media is dropped while the join is on its way: closing peer connections can hold the
      // page for a while, and a rejoin after a server media restart is in a hurry.
      this.#setState(state);
      this.#teardown();
      // Every router has the capabilities the device was loaded with at login, so the next requests go
      // right behind the join (the server runs them once it is done) instead of a round trip later.
      const preloaded = await this.local.devices.current()?.catch(() => undefined);
      const early = preloaded ? this.#prepare(preloaded, generation) : undefined;
      early?.catch(() => undefined); // a failure shows in the join's own
      const joined = await joining;
      if (stale()) return;
      marks['joined'] ??= performance.now();
      this.peerId = joined.peerId;
      this.mode = joined.mode;
      this.layout = joined.layout;
      this.audible = joined.audibleSpeakers;
      this.spotlightPin = joined.spotlight;
      this.floor.reset(joined.floor);
      for (const peer of joined.peers) this.#addPeer(peer);
      // The UI lays out the new peers now and says which videos it shows, so those are consumed below.
      this.#changed();
      const device = await this.local.devices.load(joined.routerRtpCapabilities);
      this.#device = device;
      marks['deviceLoaded'] ??= performance.now();
      if (early && device !== preloaded) void early.then(({ recv, send }) => (recv.close(), send.close()), () => undefined);
      const prepared = early && device === preloaded ? early : this.#prepare(device, generation);
      this.#recvReady = prepared.then((p) => p.recv);
      this.#recvReady.catch(() => undefined);
      // Seeing (hearing) the room comes first: the consumes go out now, behind the transport requests
      // (the server waits for the transport), not a round trip later.
      const consuming = Promise.all([...this.peers.values()].flatMap((p) => [...p.producers.keys()].map((id) => this.#consume(id, generation))));
      const { recv, send } = await prepared;
      if (stale()) {
        recv.close();
        send.close();
        return;
      }
      this.#recv = recv;
      this.#send = send;
      marks['transports'] ??= performance.now();
      this.#setState('online');
      // Publishing at the same moment as consuming would slow both on a phone.
      await consuming;
      for (const sourceId of this.watchedFeeds) {
        await this.signalling.request('watchFeed', { sourceId }).catch((err: unknown) => console.warn('watch again failed', sourceId, err));
      }
      await this.#publish(generation);
    } catch (err) {
      if (stale()) return;
      console.warn('join failed; retrying', err);
      this.#setState('recovering');
      setTimeout(() => {
        if (generation === this.#generation && this.signalling.socket.connected) void this.#join('recovering');
      }, 1000);
    }
  }

  /** Only consume needs the capabilities first, so they travel beside the transport requests. */
  async #prepare(device: Device, generation: number): Promise<{ recv: types.Transport; send: types.Transport }> {
    const [, recv, send] = await Promise.all([
      this.signalling.request('setRtpCapabilities', { rtpCapabilities: device.rtpCapabilities }),
      this.#createTransport(device, 'recv', generation),
      this.#createTransport(device, 'send', generation),
    ]);
    return { recv, send };
  }

  async #createTransport(device: Device, direction: TransportDirection, generation: number): Promise<types.Transport> {
    const params = await this.signalling.request('createTransport', { direction });
    const options = { id: params.transportId, iceParameters: params.iceParameters, iceCandidates: params.iceCandidates, dtlsParameters: params.dtlsParameters };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.signalling.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
        const source = (appData as { source: MediaSource }).source;
        this.signalling.request('produce', { transportId: transport.id, kind, rtpParameters, source }).then(({ producerId }) => done({ id: producerId }), fail);
      });
    }
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed' || state === 'disconnected') this.#scheduleIceRestart(transport, generation);
    });
    return transport;
  }

  #scheduleIceRestart(transport: types.Transport, generation: number): void {
    setTimeout(async () => {
      if (generation !== this.#generation || transport.closed || !this.signalling.socket.connected) return;
      if (transport.connectionState === 'connected') return;
      try {
        const { iceParameters } = await this.signalling.request('restartIce', { transportId: transport.id });
        await transport.restartIce({ iceParameters });
      } catch (err) {
        console.warn('ICE restart failed', err);
      }
    }, ICE_RESTART_DELAY_MS);
  }

  async #publish(generation: number): Promise<void> {
    const send = this.#send;
    const device = this.#device;
    if (!send || !device) return;
    await this.local.ready;
    if (generation !== this.#generation) return;
    const audio = this.local.stream.getAudioTracks()[0];
    const video = this.local.stream.getVideoTracks()[0];
    const wasPaused = (source: MediaSource) => this.#pausedAtTeardown.has(source);
    if (video && device.canProduce('video')) {
      const h264 = this.local.preferH264 ? device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/h264') : undefined;
      const p = await send.produce({
        track: video,
        stopTracks: false,
        encodings: SIMULCAST,
        codecOptions: { videoGoogleStartBitrate: this.local.startBitrateKbps ?? 1000 },
        ...(h264 ? { codec: h264 } : {}),
        appData: { source: 'camera' },
      });
      this.#producers.set('camera', p);
      this.#cameraLayers = new SendLayers(p, SIMULCAST.length - 1, this.#uplinkLayerCap);
      if (wasPaused('camera')) await this.setPaused('camera', true);
    }
    if (generation !== this.#generation) return;
    if (audio && device.canProduce('audio')) {
      const p = await send.produce({ track: audio, stopTracks: false, codecOptions: { opusDtx: true, opusFec: true }, appData: { source: 'mic' } });
      this.#producers.set('mic', p);
      if (wasPaused('mic')) await this.setPaused('mic', true);
    }
    this.#changed();
  }

  async #consume(producerId: string, generation: number): Promise<void> {
    const recvReady = this.#recvReady;
    if (!recvReady || this.consumers.has(producerId) || this.#consuming.has(producerId)) return;
    const kind = this.#kindOf(producerId);
    if (kind === 'video' && (this.local.receiveVideo === false || !this.#shownVideo.has(producerId))) return;
    if (kind === 'audio' && !this.#wantedAudio().has(producerId)) return;
    this.#consuming.add(producerId);
    try {
      const r = await this.signalling.request('consume', { producerId, displayHeight: this.displayHeightHint });
      const recv = await recvReady;
      if (generation !== this.#generation || recv.closed) return;
      if (r.kind === 'video') marks['consumeReply'] ??= performance.now();
      const consumer = await recv.consume({ id: r.consumerId, producerId, kind: r.kind, rtpParameters: r.rtpParameters });
      this.consumers.set(producerId, consumer);
      if (consumer.kind === 'video') marks['firstVideoConsumer'] ??= performance.now();
      else marks['firstAudioConsumer'] ??= performance.now();
      consumer.on('trackended', () => this.#dropConsumer(producerId));
      if (consumer.kind === 'audio') {
        marks['firstAudioResumed'] ??= performance.now(); // the server sends audio at once
        this.#syncAudio(generation); // the speaker may have dropped out while the consume was on its way
      } else if (!this.#shownVideo.has(producerId)) {
        // Scrolled out of view while the consume was on its way.
        await this.#stopReceiving(producerId);
        return;
      } else {
        // Resumed once the path is up: the key frame the resume asks for must not be sent into a
        // transport that drops it, because the publisher ignores a second request for a while.
        await whenConnected(recv, 3000);
        await this.signalling.request('setConsumerPaused', { consumerId: consumer.id, paused: false });
      }
      this.#changed();
    } catch (err) {
      console.warn('consume failed', producerId, err);
    } finally {
      this.#consuming.delete(producerId);
    }
  }

  #kindOf(producerId: string): 'audio' | 'video' | undefined {
    for (const peer of this.peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return producer.kind;
    }
    return undefined;
  }

  /** The send transport's WebRTC statistics (round-trip time, loss) for a connection-quality cue. */
  async sendStats(): Promise<RTCStatsReport | undefined> {
    return this.#send && !this.#send.closed ? this.#send.getStats() : undefined;
  }

  /** Closes a consumer at both ends: a hidden video or an inaudible speaker costs the server nothing. */
  async #stopReceiving(producerId: string): Promise<void> {
    const consumer = this.consumers.get(producerId);
    if (!consumer) return;
    this.#dropConsumer(producerId);
    await this.signalling.request('closeConsumer', { consumerId: consumer.id }).catch(() => undefined);
  }

  #dropConsumer(producerId: string): void {
    const consumer = this.consumers.get(producerId);
    if (!consumer) return;
    consumer.close();
    this.consumers.delete(producerId);
    this.#changed();
  }

  /** Audio the last-N rule wants received now. */
  #wantedAudio(): Set<string> {
    const sources = [...this.peers].flatMap(([peerId, peer]) => [...peer.producers.values()].filter((p) => p.kind === 'audio').map((p) => ({ producerId: p.id, peerId })));
    return audioToReceive(sources, this.audible, this.mode);
  }

  /** Consumes the speakers who became audible; lets go of those who dropped out, after a grace period. */
  #syncAudio(generation: number): void {
    if (!this.#recvReady || generation !== this.#generation) return;
    const wanted = this.#wantedAudio();
    for (const id of wanted) if (!this.consumers.has(id)) void this.#consume(id, generation);
    const received = [...this.consumers].filter(([, c]) => c.kind === 'audio').map(([id]) => id);
    this.#audioRelease.sync(wanted, received, (id) => void this.#stopReceiving(id));
  }

  #addPeer(info: PeerInfo): void {
    this.peers.set(info.id, { info, producers: new Map(info.producers.map((p) => [p.id, p])) });
  }

  async #onNotification(n: Notification): Promise<void> {
    const generation = this.#generation;
    switch (n.type) {
      case 'peerJoined':
        this.#addPeer(n.data.peer);
        break;
      case 'peerLeft': {
        const peer = this.peers.get(n.data.peerId);
        for (const id of peer?.producers.keys() ?? []) this.#dropConsumer(id);
        this.peers.delete(n.data.peerId);
        break;
      }
      case 'producerAdded':
        this.peers.get(n.data.peerId)?.producers.set(n.data.producer.id, n.data.producer);
        this.#changed();
        this.#syncAudio(generation); // a room growing past N others lets its quiet members go
        await this.#consume(n.data.producer.id, generation);
        return;
      case 'producerRemoved':
        this.peers.get(n.data.peerId)?.producers.delete(n.data.producerId);
        this.#dropConsumer(n.data.producerId);
        break;
      case 'producerPaused': {
        const producer = this.peers.get(n.data.peerId)?.producers.get(n.data.producerId);
        if (producer) producer.paused = n.data.paused;
        break;
      }
      case 'consumerClosed':
        for (const [producerId, c] of this.consumers) if (c.id === n.data.consumerId) this.#dropConsumer(producerId);
        break;
      case 'activeSpeaker':
        this.activeSpeaker = n.data.peerId;
        break;
      case 'producerLayers':
        if (this.#cameraLayers?.producer.id === n.data.producerId) this.#cameraLayers.setDemanded(n.data.maxSpatialLayer);
        return;
      case 'audibleSpeakers':
        this.audible = n.data;
        break;
      case 'spotlight':
        this.spotlightPin = n.data.peerId;
        break;
      case 'feedState': {
        const peer = this.peers.get(n.data.peerId);
        if (peer) peer.info = { ...peer.info, feed: { sourceId: n.data.sourceId, ...n.data.feed } };
        break;
      }
      case 'sipState': {
        const peer = this.peers.get(n.data.peerId);
        if (peer) peer.info = { ...peer.info, sip: n.data.sip };
        break;
      }
      case 'dtmf':
        this.lastDtmf = { peerId: n.data.peerId, digit: n.data.digit, at: Date.now() };
        break;
      case 'floorState':
        this.floor.onFloorState(n.data);
        return;
      case 'recordingState':
        this.recording = n.data.recording;
        break;
      case 'floorRevoked':
        this.floor.onRevoked(n.data.reason);
        return;
      case 'roomReset':
        await this.#join('recovering');
        return;
      case 'message':
        this.messages.push(n.data);
        break;
      case 'markers':
        this.markers = n.data.markers;
        break;
      case 'positions':
        for (const position of n.data.positions) this.positions.push({ user: n.data.user, position });
        if (this.positions.length > 10_000) this.positions.splice(0, this.positions.length - 10_000);
        break;
    }
    this.#syncAudio(generation);
    this.#changed();
  }

  #teardown(): void {
    this.#pausedAtTeardown = new Set([...this.#producers].filter(([, p]) => p.paused).map(([s]) => s));
    for (const c of this.consumers.values()) c.close();
    this.consumers.clear();
    this.#producers.clear();
    this.#cameraLayers = undefined;
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
    this.#recvReady = undefined;
    this.peers.clear();
    this.activeSpeaker = null;
    this.#audioRelease.clear();
  }

  #setState(state: ConnectionState): void {
    this.state = state;
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

function whenConnected(transport: types.Transport, timeoutMs: number): Promise<void> {
  if (transport.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve();
    };
    const onState = (state: string) => {
      if (state === 'connected' || state === 'failed' || state === 'closed') done();
    };
    const timer = setTimeout(done, timeoutMs);
    transport.on('connectionstatechange', onState);
  });
}
