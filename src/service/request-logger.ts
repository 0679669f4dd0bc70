/**
 * `req.log` without a pino child per request. Fastify makes one for every request by default, and
 * pino's `child()` serialises its bindings (the request id) at once: about 1.5 µs per request in
 * the ingest profile, for a logger most requests never use (nothing is logged per update at info).
 * This one makes the child at the first call that would write a line, with the same bindings, so
 * every line a request logs still carries its request id.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent, Logger } from 'pino';

type Level = Exclude<LevelWithSilent, 'silent'>;
type LogFn = FastifyBaseLogger['info'];

class LazyRequestLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  get level(): string {
    return this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  private log(level: Level, args: Parameters<LogFn>): void {
    // the parent's level decides (a child made later has the same one): below it, nothing is made
    if (this.made === null && !this.parent.isLevelEnabled(level)) return;
    (this.real()[level])(...args);
  }

  fatal(...args: Parameters<LogFn>): void { this.log('fatal', args); }
  error(...args: Parameters<LogFn>): void { this.log('error', args); }
  warn(...args: Parameters<LogFn>): void { this.log('warn', args); }
  info(...args: Parameters<LogFn>): void { this.log('info', args); }
  debug(...args: Parameters<LogFn>): void { this.log('debug', args); }
  trace(...args: Parameters<LogFn>): void { this.log('trace', args); }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled(level);
  }
}

/** Fastify's `childLoggerFactory`: a request logger that becomes a pino child when it first logs. */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  // pino's level check is what lets a request that logs nothing make nothing; another logger gets its child at once
  if (typeof (logger as Partial<Logger>).isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new LazyRequestLogger(logger as Logger, bindings, options);
};
