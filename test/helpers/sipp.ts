import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Debian's SIPp (package sip-tester) and the recordings it ships. */
export const SIPP = process.env['SIPP_BIN'] ?? 'sipp';
export const G711A_PCAP = '/usr/share/sip-tester/g711a.pcap';
/** g711a.pcap holds 4.72 s (236 packets of 20 ms); SIPp paces it by its timestamps and starts a little late. */
const PLAY_MS = 6000;

export interface SippResult {
  code: number | null;
  output: string;
}

export interface UacOptions {
  /** Kamailio's address, host:port. */
  proxy: string;
  /** The number dialled. */
  service: string;
  /** SIPp's own address (which decides the trunk it is seen as). */
  localIp: string;
  /** How many times g711a.pcap is played (4.72 s each). */
  plays?: number;
  /** 'sipp': SIPp hangs up after playing; 'server': SIPp waits for the server's BYE. */
  hangUp?: 'sipp' | 'server';
  /** A digit sent as RFC 4733 after the first play (dtmf_2833_N.pcap). */
  dtmf?: string;
  /** A digit sent as SIP INFO (application/dtmf-relay) after the first play. */
  infoDigit?: string;
  /** A radio's key-up and, after keyedMs, unkey as SIP INFO (application/x-ptt, `PTT: on` / `PTT: off`) after the first play. */
  keyByInfo?: { keyedMs: number };
  /** Aborting kills SIPp mid-call (a phone that vanished without a BYE). */
  signal?: AbortSignal;
  /** Expect this final response instead of 200 (and end there). */
  expectStatus?: number;
  timeoutS?: number;
}

const headers = (cseq: string) => `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: "Tiantong 1" <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq}
      Contact: <sip:13800138000@[local_ip]:[local_port]>
      Max-Forwards: 70`;

/** A UAC scenario: INVITE with PCMA + telephone-event, then play the recording, then BYE (or wait for one). */
export function uacScenario(o: UacOptions): string {
  const invite = `<send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Tiantong 1" <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:13800138000@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [auto_media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
    ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>`;
  if (o.expectStatus !== undefined) {
    return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rejected INVITE">
  ${invite}
  <recv response="${o.expectStatus}"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Tiantong 1" <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]></send>
</scenario>`;
  }
  const plays = Array.from({ length: o.plays ?? 1 }, (_, i) => {
    const dtmf = i === 0 && o.dtmf !== undefined ? `<nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${o.dtmf === '#' ? 'pound' : o.dtmf === '*' ? 'star' : o.dtmf}.pcap"/></action></nop>\n  <pause milliseconds="1000"/>` : '';
    const info = i === 0 && o.infoDigit !== undefined ? `<send retrans="500"><![CDATA[
      INFO [next_url] SIP/2.0
      ${headers('2 INFO')}
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=${o.infoDigit}
      Duration=160
    ]]></send>
  <recv response="200"/>` : '';
    const ptt = (on: boolean, cseq: number) => `<send retrans="500"><![CDATA[
      INFO [next_url] SIP/2.0
      ${headers(`${cseq} INFO`)}
      Content-Type: application/x-ptt
      Content-Length: [len]

      PTT: ${on ? 'on' : 'off'}
    ]]></send>
  <recv response="200"/>`;
    const keying = i === 0 && o.keyByInfo ? `${ptt(true, 4)}\n  <pause milliseconds="${o.keyByInfo.keyedMs}"/>\n  ${ptt(false, 5)}` : '';
    return `<nop><action><exec play_pcap_audio="${G711A_PCAP}"/></action></nop>\n  <pause milliseconds="${PLAY_MS}"/>\n  ${dtmf}\n  ${info}\n  ${keying}`;
  }).join('\n  ');
  const end = o.hangUp === 'server'
    ? `<recv request="BYE" timeout="${(o.timeoutS ?? 60) * 1000}"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]></send>`
    : `<send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      ${headers('6 BYE')}
      Content-Length: 0
    ]]></send>
  <recv response="200"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="UAC playing g711a.pcap">
  ${invite}
  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      ${headers('1 ACK')}
      Content-Length: 0
    ]]></send>
  ${o.hangUp === 'server' ? '' : plays}
  ${o.hangUp === 'server' ? `<nop><action><exec play_pcap_audio="${G711A_PCAP}"/></action></nop>` : ''}
  ${end}
</scenario>`;
}

/** Runs one SIPp call (UDP) and resolves when SIPp exits; code 0 means the scenario went as written. */
export function runUac(o: UacOptions): Promise<SippResult> {
  return runScenario(uacScenario(o), o);
}

/** Runs one call of any scenario; with messageFile, SIPp logs every message there (-trace_msg). */
export async function runScenario(
  xml: string,
  o: { proxy: string; service: string; localIp: string; timeoutS?: number; signal?: AbortSignal; messageFile?: string },
): Promise<SippResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sipp-'));
  const file = path.join(dir, 'uac.xml');
  await writeFile(file, xml);
  try {
    return await runSipp([o.proxy, '-sf', file, '-s', o.service, '-i', o.localIp, '-mi', o.localIp, '-p', '0',
      // -aa answers the server's keepalive OPTIONS (and INFO) with 200 instead of failing the call.
      '-aa', '-m', '1', '-l', '1', '-nostdin', '-timeout', `${o.timeoutS ?? 60}s`, '-timeout_error', '-max_recv_loops', '1000',
      ...(o.messageFile ? ['-trace_msg', '-message_file', o.messageFile] : [])], (o.timeoutS ?? 60) + 10, o.signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runSipp(args: string[], killAfterS: number, signal?: AbortSignal): Promise<SippResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SIPP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterS * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Sends one raw SIP datagram from `localIp` and collects whatever comes back within `waitMs`. */
export function sendRawSip(to: { host: string; port: number }, localIp: string, text: string | Buffer, waitMs = 1000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString()));
    socket.once('error', reject);
    socket.bind(0, localIp, () => {
      socket.send(text, to.port, to.host);
      setTimeout(() => socket.close(() => resolve(replies)), waitMs);
    });
  });
}

/** A minimal INVITE from `localIp:port` for raw tests (flood, untrusted); a unique Call-ID each time. */
export function rawInvite(o: { to: string; from: string; port: number; number: string; n: number }): string {
  const body = `v=0\r\no=- 1 1 IN IP4 ${o.from}\r\ns=-\r\nc=IN IP4 ${o.from}\r\nt=0 0\r\nm=audio 9 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n`;
  return [
    `INVITE sip:${o.number}@${o.to} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.from}:${o.port};branch=z9hG4bK-flood-${o.n}-${Date.now()}`,
    `From: <sip:flood@${o.from}>;tag=f${o.n}`,
    `To: <sip:${o.number}@${o.to}>`,
    `Call-ID: flood-${o.n}-${Date.now()}@${o.from}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:flood@${o.from}:${o.port}>`,
    'Max-Forwards: 70',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
