/**
 * The baseline of the load benchmark in a process of its own: a plain mediasoup router with default
 * settings on the worker Debian's libraries make (scripts/build-mediasoup-worker.sh --stock), while
 * the server runs the project's build. mediasoup picks its worker binary when it is first imported,
 * from MEDIASOUP_WORKER_BIN, so the baseline cannot share the parent's process.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { projectRoot } from '../../test/helpers/server-process.js';
import { BaselineRoom, type BaselineEndpoint } from './baseline-room.js';
import { createCertificate } from './lite-transport.js';
import { Pacer } from './pacer.js';
import { PUBLISHERS, Ramp, inBatches, packetRate, ramp } from './ramp.js';
import { loadVp8Clip } from './vp8-clip.js';

const RESULT_PREFIX = 'BASELINE-RESULT ';

/** Builds (once, cached) the stock worker and runs the baseline ramp with it. */
export async function baselineInChild(): Promise<Ramp> {
  const { stdout } = await promisify(execFile)('bash', [path.join(projectRoot, 'scripts/build-mediasoup-worker.sh'), '--stock'], { maxBuffer: 1 << 20 });
  const workerBin = stdout.trim().split('\n').at(-1)!;
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, MEDIASOUP_WORKER_BIN: workerBin },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result: Ramp | undefined;
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith(RESULT_PREFIX)) result = Ramp.parse(JSON.parse(line.slice(RESULT_PREFIX.length)));
      else console.log(line);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (!result) throw new Error(`baseline process exited with ${code} and no result`);
  return result;
}

async function runBaseline(): Promise<Ramp> {
  const clip = await loadVp8Clip({ kbps: 300, width: 640, height: 360, fps: 30, seconds: 10 });
  const cert = await createCertificate();
  const room = await BaselineRoom.create();
  const pacer = new Pacer(clip);
  const all: BaselineEndpoint[] = [];
  try {
    const publishers = await inBatches(PUBLISHERS, async () => {
      const e = await room.endpoint(cert);
      all.push(e);
      await e.publish();
      return e;
    });
    for (const p of publishers) pacer.add(p);
    pacer.start();
    return await ramp(
      'baseline',
      (n) =>
        inBatches(n, async () => {
          const v = await room.endpoint(cert);
          all.push(v);
          for (const p of publishers) await v.show(p.producer!);
          return { resetStats: () => v.resetStats(), stats: () => v.received };
        }),
      () => all.reduce((n, e) => n + e.consumerCount, 0),
      [room.worker.pid],
      packetRate(clip),
    );
  } finally {
    pacer.stop();
    for (const e of all) e.close();
    room.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runBaseline();
  console.log(RESULT_PREFIX + JSON.stringify(result));
  process.exit(0);
}
