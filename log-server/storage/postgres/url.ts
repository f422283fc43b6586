/**
 * `--db` values: a `postgres://` or `postgresql://` URL selects the PostgreSQL backend, anything
 * else is a SQLite file path. And the errors a connection attempt turns into.
 */
import { RunproofError } from '../../../src/errors.js';

/** isPostgresUrl tells whether a `--db` value names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** describeUrl is the URL without its password, for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * connectionError names why connecting failed: no server there, no such database, refused
 * credentials. SQLSTATE classes from the PostgreSQL manual, Appendix A.
 */
export function connectionError(name: string, cause: unknown): RunproofError {
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === '3D000') return new RunproofError('NOT_FOUND', `${name} does not exist (${message}); create it with createdb first`, { cause });
  if (code === '28P01' || code === '28000') return new RunproofError('UNAVAILABLE', `${name}: authentication failed (${message})`, { cause });
  return new RunproofError('UNAVAILABLE', `cannot reach ${name}: ${typeof code === 'string' ? code + ' ' : ''}${message}`, { cause });
}
