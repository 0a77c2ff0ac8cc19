import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'denied' | 'failed';
  detail?: Record<string, unknown>;
}

/** Every state-changing command is written here: a Redis stream (durable, shared by nodes) and the log. */
export class AuditLog {
  static readonly STREAM = 'audit';

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    this.logger.info({ audit: entry }, `audit ${entry.action} ${entry.outcome}`);
    await this.redis.xadd(
      AuditLog.STREAM,
      'MAXLEN', '~', '1000000',
      '*',
      'at', new Date().toISOString(),
      'actor', entry.actor,
      'action', entry.action,
      'target', entry.target,
      'outcome', entry.outcome,
      'detail', JSON.stringify(entry.detail ?? {}),
    );
  }
}
