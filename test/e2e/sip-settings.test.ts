import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../helpers/ports.js';
import { startServer } from '../helpers/server-process.js';

/** A broken SIP settings file stops the start with a message naming the file and the field, not a crash. */
describe('SIP settings at start-up', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sip-bad-settings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and the bad field', async () => {
    const file = path.join(dir, 'sip.json');
    await writeFile(file, JSON.stringify({ trunks: [{ name: 'sat', address: '10.1.2.300', kind: 'satellite' }] }));
    const base = await freePortRange(3);
    const env = { SIP_ENABLED: 'true', SIP_HOST: '127.0.0.1', SIP_PORT: String(base), SIP_WS_PORT: String(base + 1), SIP_TLS_PORT: String(base + 2), SIP_CONFIG: file };
    await expect(startServer({ env })).rejects.toThrow(/startup failed: .*sip\.json: trunks\.0\.address expected an IPv4 address/);
    await writeFile(file, '{ "trunks": [ ');
    await expect(startServer({ env })).rejects.toThrow(/startup failed: .*sip\.json: .*JSON/);
    await expect(startServer({ env: { ...env, SIP_RTP_MIN_PORT: '50000' } })).rejects.toThrow(/SIP_RTP_MIN_PORT and SIP_RTP_MAX_PORT go together/);
  }, 60_000);
});
