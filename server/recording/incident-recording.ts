import type { Logger } from 'pino';
import type { Incident } from '../../protocol/http.js';
import type { Recording } from '../../protocol/recording.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { Room } from '../rooms/room.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { RecordingManager } from './recording-manager.js';

export type RecordingPolicy = 'manual' | 'always';

export interface IncidentRecordingDeps {
  recordings: RecordingManager;
  incidents: IncidentStore;
  rooms: RoomManager;
  audit: AuditLog;
  logger: Logger;
  policy: RecordingPolicy;
}

/**
 * Recording per incident: every room of an incident is recorded while the incident says so (its own flag,
 * set by a commander, or else RECORDING_POLICY). A room that comes to life later starts recording at its
 * first producer. The per-room commands still work beside this.
 */
export class IncidentRecording {
  constructor(private readonly deps: IncidentRecordingDeps) {
    deps.rooms.on('opened', (room) => void this.#roomOpened(room));
  }

  wants(incident: Incident): boolean {
    return incident.status === 'active' && (incident.recording ?? this.deps.policy === 'always');
  }

  async start(incident: Incident, by: string): Promise<{ incident: Incident; started: Recording[] }> {
    const updated: Incident = { ...incident, recording: true };
    await this.deps.incidents.save(updated);
    const started: Recording[] = [];
    for (const room of this.#liveRooms(incident.id)) {
      if (!this.deps.recordings.recording(room.id)) started.push(await this.deps.recordings.start(room, by));
    }
    await this.deps.audit.record({ actor: by, action: 'recording.incident.start', target: incident.id, outcome: 'ok', detail: { rooms: started.map((r) => r.roomId) } });
    return { incident: updated, started };
  }

  async stop(incident: Incident, by: string): Promise<{ incident: Incident; stopped: Recording[] }> {
    const updated: Incident = { ...incident, recording: false };
    await this.deps.incidents.save(updated);
    const stopped = await this.#stopRooms(incident, by);
    await this.deps.audit.record({ actor: by, action: 'recording.incident.stop', target: incident.id, outcome: 'ok', detail: { rooms: stopped.map((r) => r.roomId) } });
    return { incident: updated, stopped };
  }

  /** A closed incident is recorded no more (its flag stays as it was, for the record). */
  async closed(incident: Incident, by: string): Promise<void> {
    const stopped = await this.#stopRooms(incident, by, 'incident closed');
    if (stopped.length) await this.deps.audit.record({ actor: by, action: 'recording.incident.stop', target: incident.id, outcome: 'ok', detail: { rooms: stopped.map((r) => r.roomId), reason: 'incident closed' } });
  }

  async #stopRooms(incident: Incident, by: string, reason?: string): Promise<Recording[]> {
    const stopped: Recording[] = [];
    for (const room of this.#liveRooms(incident.id)) {
      if (this.deps.recordings.state(room.id)) stopped.push(await this.deps.recordings.stop(room.id, by, reason));
    }
    return stopped;
  }

  #liveRooms(incidentId: string): Room[] {
    return this.deps.rooms.liveRooms().filter((r) => r.definition.incidentId === incidentId);
  }

  async #roomOpened(room: Room): Promise<void> {
    const incidentId = room.definition.incidentId;
    if (!incidentId) return;
    const incident = await this.deps.incidents.get(incidentId).catch(() => undefined);
    if (incident && this.wants(incident)) this.#whenProduced(room, incident);
  }

  /** Starts the room's recording at its first producer (now, if it has one), unless the incident changed its mind. */
  #whenProduced(room: Room, incident: Incident): void {
    const begin = async () => {
      room.off('producer', begin);
      room.off('closed', forget);
      const now = await this.deps.incidents.get(incident.id).catch(() => undefined);
      if (!now || !this.wants(now) || this.deps.recordings.recording(room.id) || this.deps.rooms.live(room.id) !== room) return;
      await this.deps.recordings.start(room, 'system:policy').catch((err: unknown) => this.deps.logger.error({ err, room: room.id }, 'incident recording did not start'));
    };
    const forget = () => {
      room.off('producer', begin);
    };
    if (room.producers().length > 0) return void begin();
    room.on('producer', begin);
    room.on('closed', forget);
  }
}
