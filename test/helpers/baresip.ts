import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';

/**
 * Debian's baresip as a SIP device: registers with a server account, auto-answers, sends a sine tone
 * (ausine) and records what it hears to WAV (sndfile: dump-*-dec.wav). Driven over ctrl_tcp (netstring JSON).
 */
export interface Baresip {
  /** WAVs of decoded (received) audio so far. */
  receivedWavs(): Promise<string[]>;
  command(command: string, params?: string): Promise<void>;
  /** Events seen so far on the control connection (CALL_ESTABLISHED, CALL_CLOSED…). */
  events: string[];
  /** Its registration was answered 200 OK (printed before the control connection may be up). */
  registered(): boolean;
  dir: string;
  logs: string[];
  stop(): Promise<void>;
}

export interface BaresipOptions {
  /** Kamailio, host:port. */
  registrar: string;
  user: string;
  password: string;
  listenIp: string;
  listenPort: number;
  ctrlPort: number;
  toneHz: number;
}

export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baresip-'));
  await writeFile(path.join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen ${o.listenIp}:${o.listenPort}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module g722.so',
    'module ausine.so',
    'module aubridge.so',
    'module sndfile.so',
    'module_app account.so',
    // menu provides the dial and hangup commands ctrl_tcp runs.
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${o.ctrlPort}`,
    // No sound card: the player is an in-process bridge; sndfile records what is decoded.
    'audio_player aubridge,sink',
    'audio_alert aubridge,sink',
    `audio_source ausine,${o.toneHz}`,
    // ausine makes 48 kHz stereo only; baresip resamples to the call's codec.
    'ausrc_srate 48000',
    'ausrc_channels 2',
    'auplay_srate 48000',
    `snd_path ${dir}`,
    'rtp_timeout 0',
  ].join('\n') + '\n');
  await writeFile(path.join(dir, 'accounts'),
    `<sip:${o.user}@${o.registrar};transport=udp>;auth_user=${o.user};auth_pass=${o.password};regint=60;answermode=auto\n`);
  const child: ChildProcess = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const events: string[] = [];

  const socket = await waitFor('baresip ctrl_tcp', () => new Promise<net.Socket | undefined>((resolve) => {
    const s = net.connect(o.ctrlPort, '127.0.0.1', () => resolve(s));
    s.once('error', () => resolve(undefined));
  }), 10_000, 200);
  let buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buffer = Buffer.concat([buffer, d]);
    // Netstrings: <length>:<json>,
    for (;;) {
      const colon = buffer.indexOf(':');
      if (colon < 0) break;
      const len = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + len + 1) break;
      const json = buffer.subarray(colon + 1, colon + 1 + len).toString();
      buffer = buffer.subarray(colon + 2 + len);
      try {
        const msg = JSON.parse(json) as { event?: boolean; type?: string };
        if (msg.event && msg.type) events.push(msg.type);
      } catch {
        // not JSON
      }
    }
  });
  return {
    events,
    registered: () => /\} 200 OK .*binding/.test(logs.join('')),
    dir,
    logs,
    async receivedWavs() {
      return (await readdir(dir)).filter((f) => f.endsWith('-dec.wav')).map((f) => path.join(dir, f));
    },
    async command(command, params) {
      const json = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: String(Date.now()) });
      socket.write(`${Buffer.byteLength(json)}:${json},`);
    },
    async stop() {
      socket.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
