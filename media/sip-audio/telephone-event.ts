/** RFC 4733 telephone-event payload: event code, end bit, duration. */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  duration: number;
}

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, duration: payload.readUInt16BE(2) };
}

const DIGITS = '0123456789*#ABCD';

/** The DTMF digit of an event code (0-15), or null for other events (flash hook and beyond). */
export function dtmfDigit(event: number): string | null {
  return event < DIGITS.length ? DIGITS[event]! : null;
}
