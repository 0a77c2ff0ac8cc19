import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Archiver, ArchiverOptions } from 'archiver';
import { Router, type Request } from 'express';
import type { TimelineEntry } from '../../protocol/timeline.js';
import type { AuditLog } from '../audit/audit-log.js';
import { requireRole, type AuthedRequest } from '../http/auth-middleware.js';
import type { IncidentAccess } from '../incidents/incident-access.js';
import type { IncidentTimeline } from '../timeline/incident-timeline.js';
import type { IncidentRecording } from './incident-recording.js';
import { trackPath } from './recording-routes.js';
import type { RecordingStore } from './recording-store.js';

export interface IncidentRecordingRouteDeps {
  access: IncidentAccess;
  incidentRecording: IncidentRecording;
  recordingStore: RecordingStore;
  timeline: IncidentTimeline;
  audit: AuditLog;
  recordingsRoot: string;
}

// archiver 7 at run time is a CommonJS factory; @types/archiver 8 describes v8's classes, so it is typed here.
const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip', options?: ArchiverOptions) => Archiver;

/** An export holds at most this many timeline entries (pages of 5000). */
const EXPORT_MAX_ENTRIES = 1_000_000;

/**
 * Under /api/incidents, behind requireAuth and refuseGuests:
 * POST /:id/recording/start, /:id/recording/stop: record all the incident's rooms (commanders, operators, admins);
 * GET /:id/recordings: its recordings, for the replay page;
 * GET /:id/export: one zip of its tracks, recordings.json and timeline.json.
 */
export function incidentRecordingRoutes(deps: IncidentRecordingRouteDeps): Router {
  const { access, incidentRecording, recordingStore, timeline, audit } = deps;
  const router = Router();
  const userOf = (req: Request) => (req as AuthedRequest).user;
  const incidentOf = (req: Request) => access.get(userOf(req), String(req.params['id']));
  const commanders = requireRole('admin', 'commander', 'operator');

  router.post('/:id/recording/start', commanders, async (req, res) => {
    res.json(await incidentRecording.start(await incidentOf(req), userOf(req).username));
  });

  router.post('/:id/recording/stop', commanders, async (req, res) => {
    res.json(await incidentRecording.stop(await incidentOf(req), userOf(req).username));
  });

  router.get('/:id/recordings', async (req, res) => {
    const incident = await incidentOf(req);
    res.json({ recordings: await recordingStore.forIncident(incident.id, await access.roomIds(incident)) });
  });

  router.get('/:id/export', async (req, res) => {
    const user = userOf(req);
    const incident = await incidentOf(req);
    const roomIds = await access.roomIds(incident);
    const recordings = await recordingStore.forIncident(incident.id, roomIds);
    const entries: TimelineEntry[] = [];
    for (let from: number | null = 0; from !== null && entries.length < EXPORT_MAX_ENTRIES; ) {
      const page = await timeline.read(incident.id, roomIds, { from, limit: 5000, positions: true });
      entries.push(...page.entries);
      from = page.next;
    }
    await audit.record({ actor: user.username, action: 'incident.export', target: incident.id, outcome: 'ok', detail: { recordings: recordings.length, entries: entries.length } });
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-disposition', `attachment; filename="incident-${incident.id}.zip"`);
    // Already-compressed media is stored, not deflated again.
    const zip = archiver('zip', { store: true });
    zip.on('error', () => res.destroy());
    zip.pipe(res);
    zip.append(JSON.stringify({ incident, exportedAt: Date.now(), exportedBy: user.username }, null, 2), { name: 'incident.json' });
    zip.append(JSON.stringify(recordings, null, 2), { name: 'recordings.json' });
    zip.append(JSON.stringify(entries, null, 2), { name: 'timeline.json' });
    for (const recording of recordings) {
      recording.tracks.forEach((track, index) => {
        const file = trackPath(deps.recordingsRoot, recording, index);
        if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0) zip.append(createReadStream(file), { name: `tracks/${track.file}` });
      });
    }
    await zip.finalize();
  });

  return router;
}
