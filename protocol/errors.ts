/** Error codes shared by server and web client. Every rejection carries one of these. */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  TokenExpired: 'TOKEN_EXPIRED',
  InvalidToken: 'INVALID_TOKEN',
  Forbidden: 'FORBIDDEN',
  BadRequest: 'BAD_REQUEST',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  NotFound: 'NOT_FOUND',
  NotInRoom: 'NOT_IN_ROOM',
  InvalidState: 'INVALID_STATE',
  RateLimited: 'RATE_LIMITED',
  /** A bounded resource (e.g. concurrent camera pulls) is full; try later. */
  Busy: 'BUSY',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** A failure meant for the caller: its code and message are sent as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}
