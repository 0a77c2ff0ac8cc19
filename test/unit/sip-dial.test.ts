import { describe, expect, it } from 'vitest';
import { resolveDialTarget } from '../../server/sip/dial-target.js';
import { SipSettings, Trunk, trunkFor } from '../../sip/settings.js';
import { dtmfFromInfo, keyingFromInfo } from '../../sip/ua/sip-call.js';

const trunks = [
  Trunk.parse({ name: 'tiantong', address: '10.1.2.3', kind: 'satellite' }),
  Trunk.parse({ name: 'radio', address: '10.9.0.0/16', kind: 'radio', keying: 'rfc4733', host: '10.9.0.1', port: 5070 }),
];

describe('SIP dial targets', () => {
  it('dials a number through a named trunk with G.711', () => {
    expect(resolveDialTarget('13800138000', 'tiantong', 'cmd.example', trunks)).toMatchObject({
      uri: 'sip:13800138000@10.1.2.3:5060', kind: 'satellite', codecs: ['PCMA', 'PCMU'],
    });
    expect(resolveDialTarget('7', 'radio', 'cmd.example', trunks).uri).toBe('sip:7@10.9.0.1:5070');
  });

  it('dials a registered device by name or by a URI on the server\'s domain, wideband first', () => {
    expect(resolveDialTarget('field01', undefined, 'cmd.example', trunks)).toMatchObject({ uri: 'sip:field01@cmd.example', kind: 'device' });
    expect(resolveDialTarget('sip:field01@cmd.example', undefined, 'cmd.example', trunks).codecs[0]).toBe('opus');
  });

  it('refuses URIs elsewhere, unknown trunks and junk', () => {
    expect(() => resolveDialTarget('sip:x@evil.example', undefined, 'cmd.example', trunks)).toThrow(/neither/);
    expect(() => resolveDialTarget('1', 'nope', 'cmd.example', trunks)).toThrow(/no SIP trunk/);
    expect(() => resolveDialTarget('a b<c>', undefined, 'cmd.example', trunks)).toThrow(/target/);
    expect(() => resolveDialTarget('1;x', 'tiantong', 'cmd.example', trunks)).toThrow();
  });
});

describe('SIP settings', () => {
  it('finds the trunk of a source address', () => {
    expect(trunkFor(trunks, '10.9.4.4')?.name).toBe('radio');
    expect(trunkFor(trunks, '10.1.2.4')).toBeUndefined();
  });

  it('rejects bad settings with the field named', () => {
    expect(SipSettings.safeParse({ trunks: [{ name: 'x', address: '10.0.0.0/8', kind: 'radio' }] }).error?.issues[0]?.message).toMatch(/needs "host"/);
    expect(SipSettings.safeParse({ trunks: [{ name: 'x', address: '300.1.1.1', kind: 'pbx' }] }).success).toBe(false);
    expect(SipSettings.safeParse({ numbers: { 'a"b': 'room' } }).success).toBe(false);
  });
});

describe('SIP INFO bodies', () => {
  it('reads DTMF from dtmf-relay and dtmf bodies', () => {
    expect(dtmfFromInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toBe('5');
    expect(dtmfFromInfo('application/dtmf-relay', 'Signal=11\r\n')).toBe('#');
    expect(dtmfFromInfo('application/dtmf', '*')).toBe('*');
    expect(dtmfFromInfo('application/dtmf-relay', 'Signal=xyz')).toBeUndefined();
    expect(dtmfFromInfo('text/plain', '5')).toBeUndefined();
  });

  it('reads radio keying', () => {
    expect(keyingFromInfo('application/x-ptt', 'PTT: on')).toBe(true);
    expect(keyingFromInfo('text/plain', 'keyed=0')).toBe(false);
    expect(keyingFromInfo('application/x-ptt', 'maybe')).toBeUndefined();
  });
});
