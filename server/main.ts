import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaRoom } from '../media/media-room.js';
import { WorkerPool } from '../media/worker-pool.js';
import { AccountStore } from './auth/account-store.js';
import { TokenService } from './auth/token-service.js';
import { AuditLog } from './audit/audit-log.js';
import { lanAddress, loadConfig } from './config.js';
import { FeedManager } from './feeds/feed-manager.js';
import { RtmpServer } from './feeds/rtmp-server.js';
import { SourceStore } from './feeds/source-store.js';
import { createApp } from './http/app.js';
import { createLogger } from './logger.js';
import { createMetrics, registerClusterMetrics, registerDynacastMetrics, registerRecordingMetrics } from './metrics.js';
import { freeBytes } from './recording/disk-space.js';
import { readOrganisationConfig } from './org/organisation-config.js';
import { OrgStore } from './org/org-store.js';
import { seedOrganisation } from './org/seed.js';
import { CallRegistry } from './calls/call-registry.js';
import { MessageLog } from './dispatch/message-log.js';
import { IncidentStore } from './incidents/incident-store.js';
import { MarkerStore } from './markers/marker-store.js';
import { PositionLog } from './positions/position-log.js';
import { floorPriority } from './ptt/priority.js';
import { RoomManager } from './rooms/room-manager.js';
import { RoomStore } from './rooms/room-store.js';
import { RecordingManager } from './recording/recording-manager.js';
import { RecordingStore } from './recording/recording-store.js';
import { IncidentRecording } from './recording/incident-recording.js';
import { RetentionSweeper } from './recording/retention.js';
import { IncidentAccess } from './incidents/incident-access.js';
import { IncidentTimeline } from './timeline/incident-timeline.js';
import { createRequestHandlers } from './signalling/request-handlers.js';
import { Presence } from './signalling/presence.js';
import { createSocketServer } from './signalling/socket-server.js';
import { SipGateway } from './sip/sip-gateway.js';
import { RoomNumbers } from './sip/room-numbers.js';
import { readSipSettings } from '../sip/settings.js';
import { connectRedis } from './store/redis-connection.js';
import { Cluster } from './cluster/cluster.js';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server } from 'socket.io';
import { ClusterCalls } from './cluster/cluster-calls.js';
import { ClusterSip } from './cluster/cluster-sip.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();

  const store = await connectRedis({ ...config.redis, dataDir: config.dataDir }, logger);
  const orgStore = new OrgStore(store.redis);
  // With the SIP gateway on, accounts also keep SIP digest credentials for its realm.
  const accounts = new AccountStore(store.redis, config.sip?.domain);
  const roomStore = new RoomStore(store.redis);
  const sipSettings = config.sip ? await readSipSettings(config.sip.settingsPath) : undefined;
  const roomNumbers = sipSettings ? new RoomNumbers(store.redis, sipSettings.numbers) : undefined;
  const organisation = await readOrganisationConfig(config.orgConfigPath);
  const seeded = await seedOrganisation(organisation, { org: orgStore, accounts, rooms: roomStore });
  logger.info({ seeded }, 'organisation loaded');
  let orgTree = await orgStore.loadTree();
  const tokens = await TokenService.create(store.redis, config.auth.jwtSecret, config.auth.tokenTtlS);
  const audit = new AuditLog(store.redis, logger);
  const incidents = new IncidentStore(store.redis);
  const positions = new PositionLog(store.redis);
  const messages = new MessageLog(store.redis);
  const markers = new MarkerStore(store.redis);
  const timeline = new IncidentTimeline(store.redis, logger);

  const pool = new WorkerPool({ size: config.media.workers, ...config.media, logger });
  pool.on('workerDied', () => metrics.workerDeaths.inc());
  await pool.start();
  const rooms = new RoomManager(pool, logger, {
    ...config.ptt,
    member: (user) => {
      const unit = orgTree.get(user.orgUnitId);
      return { priority: floorPriority(organisation.pttPriority, user, unit), unitName: unit?.name ?? user.orgUnitId };
    },
    // Timer- and pre-emption-driven changes have no request of their own to be audited with.
    onFloorEvents: (roomId, rows) => {
      const incidentId = rooms.live(roomId)?.definition.incidentId;
      for (const { event, user, by } of rows) {
        const detail = { ...event, ...(by ? { by: by.username } : {}) };
        void timeline.record(incidentId, {
          type: 'floor', roomId, who: { id: user.id, name: user.displayName }, action: event.type,
          ...(event.type === 'granted' ? { emergency: event.emergency } : {}),
          ...(event.type === 'revoked' ? { reason: event.reason } : {}),
        });
        void audit.record({ actor: user.username, action: `floor.${event.type}`, target: roomId, outcome: 'ok', detail })
          .catch((err: unknown) => logger.error({ err }, 'audit of floor event failed'));
      }
    },
  }, config.rooms);
  rooms.on('opened', (room) => timeline.observe(room));
  const routerCapabilities = await MediaRoom.probeCapabilities(pool);
  const sources = new SourceStore(store.redis);
  let rtmp: RtmpServer | undefined;
  const feeds = new FeedManager(pool, logger, config.feeds, () => rtmp?.pullBase);
  const rtmpPushBase = () =>
    config.rtmp ? `rtmp://${config.rtmp.host === '0.0.0.0' ? (config.media.announcedIp ?? '127.0.0.1') : config.rtmp.host}:${config.rtmp.port}/live` : undefined;

  const recordingStore = new RecordingStore(store.redis);
  const recordingsRoot = path.join(config.dataDir, 'recordings');
  const recordings = new RecordingManager({
    store: recordingStore, audit, logger, root: recordingsRoot, timeline,
    minFreeBytes: config.recording.minFreeBytes, diskCheckMs: config.recording.diskCheckMs,
  });
  registerRecordingMetrics(metrics, { active: () => recordings.activeCount, freeBytes: () => freeBytes(recordingsRoot) });
  registerDynacastMetrics(metrics, () => rooms.liveRooms().reduce((n, room) => n + room.dynacast.pausedLayers(), 0));
  const incidentRecording = new IncidentRecording({ recordings, incidents, rooms, audit, logger, policy: config.recording.policy });
  const retention = new RetentionSweeper({
    store: recordingStore, audit, logger, root: recordingsRoot, retentionMs: config.recording.retentionMs, intervalMs: config.recording.sweepMs,
    isActive: (id) => recordings.isActive(id),
  });
  const presence = new Presence();
  let cluster: Cluster | undefined;
  let publicHttpsUrl: string | undefined;
  const app = createApp({
    accounts, tokens, roomStore, rooms, audit, metrics, logger, pool, routerCapabilities, presence,
    redis: store.redis,
    recordingStore,
    recordingsRoot,
    replay: { access: new IncidentAccess(incidents, roomStore, () => orgTree), incidentRecording, recordingStore, timeline, audit, recordingsRoot },
    roomNumbers,
    clientConfig: {
      map: { center: config.map.center, ...(config.map.tileUrl ? { tileUrl: config.map.tileUrl } : {}) },
      // Read at each request: the registry's live nodes change.
      get clusterNodes() {
        return cluster?.nodeUrls();
      },
    },
    orgTree: () => orgTree,
    feedDeps: { sources, feeds, rtmpPushBase },
    metricsToken: config.metricsToken,
    incidents,
    onIncidentClosed: (incident, by) => incidentRecording.closed(incident, by),
    publicUrl: (req) => config.publicUrl ?? publicHttpsUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`,
    webRoot: path.join(projectRoot, 'web-client/dist'),
    cluster: () => cluster?.overview(),
    ...(config.cluster ? { allowedOrigins: () => cluster?.pageOrigins() ?? [] } : {}),
    clusterPresence: () => clusterCalls?.online(),
  });
  const servers: http.Server[] = [http.createServer(app)];
  const hasTls = existsSync(config.https.certPath) && existsSync(config.https.keyPath);
  if (hasTls) {
    servers.push(https.createServer({ cert: readFileSync(config.https.certPath), key: readFileSync(config.https.keyPath) }, app));
  }
  const sip = config.sip && sipSettings && roomNumbers
    ? new SipGateway({
        config: config.sip,
        settings: sipSettings,
        roomNumbers,
        tls: hasTls ? { certPath: config.https.certPath, keyPath: config.https.keyPath } : undefined,
        rooms, roomStore, accounts, orgTree: () => orgTree, audit, logger, registry: metrics.registry,
      })
    : undefined;
  const calls = new CallRegistry();
  let clusterCalls: ClusterCalls | undefined;
  let clusterSip: ClusterSip | undefined;
  const handlers = createRequestHandlers({
    rooms, roomStore, orgTree: () => orgTree, audit, positions, messages, markers, presence, calls, feeds, sources, recordings, timeline, sip,
    callReach: () => clusterCalls,
    sipElsewhere: () => clusterSip,
  });
  const io = createSocketServer({
    servers, tokens, handlers, metrics, logger, presence,
    onDisconnect: async (session) => void (await handlers.leaveRoom(session, {})),
    ...(config.cluster ? { allowedOrigins: () => cluster?.pageOrigins() ?? [] } : {}),
  });
  if (config.cluster) {
    const sub = store.redis.duplicate();
    sub.on('error', (err) => logger.warn({ err: err.message }, 'socket.io redis adapter connection error'));
    io.adapter(createAdapter(store.redis.duplicate(), sub, { requestsTimeout: 3000 }));
    clusterCalls = new ClusterCalls(io as unknown as Server, calls, logger);
  }

  const listen = (server: http.Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const httpPort = await listen(servers[0]!, config.http.host, config.http.port);
  const httpUrl = `http://${config.http.host}:${httpPort}`;
  let httpsUrl: string | undefined;
  if (servers[1]) {
    const port = await listen(servers[1], config.https.host, config.https.port);
    const host = config.https.host === '0.0.0.0' || config.https.host === '::' ? (lanAddress() ?? 'localhost') : config.https.host;
    httpsUrl = `https://${host}:${port}`;
    publicHttpsUrl = httpsUrl;
  }
  if (config.cluster) {
    const started = await Cluster.start({ redis: store.redis, rooms, settings: config.cluster, url: config.publicUrl ?? httpsUrl ?? httpUrl, logger });
    cluster = started;
    clusterSip = new ClusterSip(started.bus, sip);
    registerClusterMetrics(metrics, {
      nodes: () => started.registry.nodes().length,
      pipes: () => started.span.pipeCount(),
      arbitrated: () => Object.values(started.arbiter.arbiters()).filter((node) => node === started.nodeId).length,
    });
  }
  if (config.rtmp) {
    // nginx asks us over loopback before it lets a push in.
    const hookHost = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    rtmp = new RtmpServer(
      { ...config.rtmp, dir: path.join(config.dataDir, 'rtmp'), onPublishUrl: `http://${hookHost}:${httpPort}/internal/rtmp/on-publish` },
      logger,
    );
    await rtmp.start();
  }
  retention.start();
  await sip?.start();
  logger.info({ httpUrl, httpsUrl, workers: pool.workers().map((w) => w.worker.pid) }, 'listening');
  printBanner(httpUrl, httpsUrl, config.orgConfigPath, organisation.users.find((u) => u.role === 'commander'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    retention.stop();
    // Before the rooms close: every recorder's ffmpeg finalises its file.
    await recordings.stopAll().catch((err: unknown) => logger.error({ err }, 'stopping recordings failed'));
    io.close();
    await sip?.stop().catch((err: unknown) => logger.error({ err }, 'stopping the SIP gateway failed'));
    feeds.closeAll();
    rtmp?.stop();
    rooms.closeAll();
    await cluster?.stop().catch((err: unknown) => logger.error({ err }, 'leaving the cluster failed'));
    pool.close();
    for (const s of servers) s.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  orgTree = await orgStore.loadTree();
}

/** For the person who started the server: where to go and how to log in (stderr, apart from the JSON log). */
function printBanner(httpUrl: string, httpsUrl: string | undefined, orgConfigPath: string, example: { username: string; password: string } | undefined): void {
  const lines = [
    '',
    '  应急指挥融合通信 / Emergency command server is running',
    `  This machine:   ${httpUrl}`,
    httpsUrl ? `  LAN (phones):   ${httpsUrl}   (trust certs/out/ca.crt on the device)` : '  LAN (phones):   no TLS certificate; run certs/make-certs.sh and restart',
    `  Log in with an account from ${path.relative(process.cwd(), orgConfigPath)}${example ? `, e.g. ${example.username} / ${example.password}` : ''}`,
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  // Startup failures are printed plainly: they are read by a person at a terminal.
  console.error('startup failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
