import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface StoredAuditEntry extends Required<AuditEntry> {
  id: string;
  at: string;
}

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

  /** The newest entries first. */
  async recent(limit: number): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrevrange(AuditLog.STREAM, '+', '-', 'COUNT', limit);
    return rows.map(([id, fields]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      let detail: Record<string, unknown> = {};
      try {
        detail = JSON.parse(f.get('detail') ?? '{}') as Record<string, unknown>;
      } catch {
        detail = { unreadable: f.get('detail') };
      }
      const outcome = f.get('outcome');
      return {
        id,
        at: f.get('at') ?? '',
        actor: f.get('actor') ?? '',
        action: f.get('action') ?? '',
        target: f.get('target') ?? '',
        outcome: outcome === 'ok' || outcome === 'denied' ? outcome : 'failed',
        detail,
      };
    });
  }
}
