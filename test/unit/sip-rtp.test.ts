import { describe, expect, it } from 'vitest';
import { levelDbov } from '../../media/sip-audio/audio-level.js';
import { RadioKeying } from '../../media/sip-audio/radio-keying.js';
import { RtpTimeline, buildRtp, isRtcp, parseRtp } from '../../media/sip-audio/rtp-packet.js';
import { dtmfDigit, parseTelephoneEvent } from '../../media/sip-audio/telephone-event.js';

describe('RTP packets', () => {
  it('builds what it parses, with the audio-level extension skipped over', () => {
    const payload = Buffer.from([1, 2, 3]);
    const buf = buildRtp({ payloadType: 111, marker: true, sequenceNumber: 65535, timestamp: 2 ** 32 + 5, ssrc: 0xdeadbeef, payload, audioLevel: { extId: 1, level: 30, voice: true } });
    expect(buf.subarray(12, 20)).toEqual(Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0x80 | 30, 0, 0]));
    expect(parseRtp(buf)).toEqual({ payloadType: 111, marker: true, sequenceNumber: 65535, timestamp: 5, ssrc: 0xdeadbeef, payload });
  });

  it('parses CSRCs and padding; rejects what is not RTP', () => {
    const base = buildRtp({ payloadType: 0, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(0) });
    const withCsrcAndPadding = Buffer.concat([Buffer.from([0xa1]), base.subarray(1, 12), Buffer.alloc(4), Buffer.from([9, 9, 0, 2])]);
    expect(parseRtp(withCsrcAndPadding)?.payload).toEqual(Buffer.from([9, 9]));
    expect(parseRtp(Buffer.alloc(11))).toBeNull();
    expect(parseRtp(Buffer.concat([Buffer.from([0x40]), base.subarray(1)]))).toBeNull();
    expect(parseRtp(Buffer.concat([Buffer.from([0xa0]), base.subarray(1), Buffer.from([0])]))).toBeNull(); // zero padding length
    expect(parseRtp(Buffer.concat([Buffer.from([0x90]), base.subarray(1), Buffer.from([0xbe, 0xde, 0, 9])]))).toBeNull(); // extension longer than the packet
    expect(isRtcp(Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1]))).toBe(true);
    expect(isRtcp(base)).toBe(false);
  });

  it('unwraps timestamps across 2^32 and keeps reordered packets in place', () => {
    const t = new RtpTimeline();
    expect(t.position(0xffffff00)).toBe(0);
    expect(t.position(0x00000060)).toBe(0x160);
    expect(t.position(0xffffffa0)).toBe(0xa0);
    expect(t.position(0x00000100)).toBe(0x200);
  });
});

describe('RFC 4733 events', () => {
  it('parses events and maps digits', () => {
    expect(parseTelephoneEvent(Buffer.from([11, 0x8a, 1, 0]))).toEqual({ event: 11, end: true, duration: 256 });
    expect(parseTelephoneEvent(Buffer.from([1, 2]))).toBeNull();
    expect([0, 9, 10, 11, 12, 15, 16].map(dtmfDigit)).toEqual(['0', '9', '*', '#', 'A', 'D', null]);
  });
});

describe('audio level and radio keying', () => {
  it('measures dBov', () => {
    expect(levelDbov(new Int16Array(160))).toBe(-127);
    const fullSine = Int16Array.from({ length: 160 }, (_, i) => Math.round(32767 * Math.sin((2 * Math.PI * i) / 16)));
    expect(levelDbov(fullSine)).toBeCloseTo(-3, 0);
  });

  it('VOX keys above the threshold and unkeys after the hang time', () => {
    const changes: boolean[] = [];
    const k = new RadioKeying('vox', { voxThresholdDbov: -40, hangMs: 500 }, (v) => changes.push(v));
    k.onAudioLevel(-60, 0);
    expect(k.keyed).toBe(false);
    k.onAudioLevel(-20, 100);
    k.onAudioLevel(-60, 400);
    k.tick(599);
    expect(k.keyed).toBe(true);
    k.tick(600);
    expect(changes).toEqual([true, false]);
  });

  it('RFC 4733 keys while an event runs, unkeys a hang time after its End, or when its updates stop', () => {
    const changes: boolean[] = [];
    const k = new RadioKeying('rfc4733', { hangMs: 200 }, (v) => changes.push(v));
    k.onAudioLevel(0, 0); // loud audio does not key an RFC 4733 channel
    k.onTelephoneEvent(false, 10);
    k.onTelephoneEvent(true, 60);
    k.onTelephoneEvent(true, 70); // retransmitted End
    k.tick(259);
    expect(k.keyed).toBe(true);
    k.tick(260);
    expect(changes).toEqual([true, false]);
    k.onTelephoneEvent(false, 1000);
    k.tick(2100);
    expect(k.keyed).toBe(true);
    k.tick(2200); // no update for 1 s + hang: the End packets were lost
    expect(changes).toEqual([true, false, true, false]);
  });

  it('INFO keys only a leg configured for it', () => {
    const info = new RadioKeying('info', {}, () => {});
    info.setByInfo(true);
    expect(info.keyed).toBe(true);
    const vox = new RadioKeying('vox', {}, () => {});
    vox.setByInfo(true);
    expect(vox.keyed).toBe(false);
  });
});
