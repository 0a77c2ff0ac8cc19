import { describe, expect, it } from 'vitest';
import { answerDirection, buildSdp, chooseCodec, parseAudio, SdpError, telephoneEventFor } from '../../sip/ua/sdp.js';

const offer = (media: string, extra = '') =>
  `v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n${media}\r\n${extra}`;

describe('SIP SDP', () => {
  it('reads the audio address, port and formats, static payload types included', () => {
    const a = parseAudio(offer('m=audio 4000 RTP/AVP 0 8 9 101', 'a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n'));
    expect(a).toMatchObject({ address: '10.0.0.9', port: 4000, telephoneEventPayloadType: 101, direction: 'sendonly' });
    expect(a.formats.map((f) => f.name)).toEqual(['PCMU', 'PCMA', 'G722', 'telephone-event']);
  });

  it('prefers Opus, then G.722, PCMU, PCMA, keeping the peer\'s payload type', () => {
    const withOpus = parseAudio(offer('m=audio 4000 RTP/AVP 8 0 96', 'a=rtpmap:96 opus/48000/2\r\n'));
    expect(chooseCodec(withOpus)).toEqual({ name: 'opus', payloadType: 96, clockRate: 48000, channels: 2 });
    expect(chooseCodec(parseAudio(offer('m=audio 4000 RTP/AVP 8 0 9')))!.name).toBe('G722');
    expect(chooseCodec(parseAudio(offer('m=audio 4000 RTP/AVP 8 0')))!.name).toBe('PCMU');
    expect(chooseCodec(parseAudio(offer('m=audio 4000 RTP/AVP 8')))!.name).toBe('PCMA');
    expect(chooseCodec(parseAudio(offer('m=audio 4000 RTP/AVP 3', 'a=rtpmap:3 GSM/8000\r\n')))).toBeUndefined();
  });

  it('takes telephone-event on the codec\'s clock when offered, else at 8000', () => {
    const a = parseAudio(offer('m=audio 4000 RTP/AVP 96 101 102', 'a=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:102 telephone-event/48000\r\n'));
    expect(telephoneEventFor(a, chooseCodec(a)!)).toBe(102);
    const b = parseAudio(offer('m=audio 4000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000\r\n'));
    expect(telephoneEventFor(b, chooseCodec(b)!)).toBe(101);
  });

  it('refuses what it cannot carry with a clear SdpError', () => {
    expect(() => parseAudio('v=0\r\n')).toThrow(SdpError);
    expect(() => parseAudio(offer('m=audio 4000 RTP/SAVP 8'))).toThrow(/SRTP/);
    expect(() => parseAudio('v=0\r\nm=audio 4000 RTP/AVP 8\r\n')).toThrow(/connection address/);
    expect(() => parseAudio(offer('m=video 4000 RTP/AVP 96'))).toThrow(/no audio/);
    expect(() => parseAudio(offer('m=audio 4000 RTP/AVP 8').replaceAll('c=IN IP4 10.0.0.9', 'c=IN IP4 gw.example'))).toThrow(/not an IPv4/);
  });

  it('writes an answer the parser reads back', () => {
    const text = buildSdp({ address: '192.0.2.1', port: 40002, codec: { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 }, telephoneEventPayloadType: 101, sessionId: 7, version: 1 });
    const back = parseAudio(text);
    expect(back).toMatchObject({ address: '192.0.2.1', port: 40002, telephoneEventPayloadType: 101, direction: 'sendrecv' });
    expect(back.formats[0]).toMatchObject({ payloadType: 9, name: 'G722' });
    expect(answerDirection('sendonly')).toBe('recvonly');
  });
});
