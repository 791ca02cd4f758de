/** How much the kernel says on stderr. */
export type LogLevel = 'silent' | 'error' | 'warn';

/** A logger writing kernel warnings and errors to stderr, filtered by `level`. */
export function makeLog(level: LogLevel): (lvl: 'error' | 'warn', message: string) => void {
  return (lvl, message) => {
    if (level === 'silent' || (level === 'error' && lvl === 'warn')) return;
    process.stderr.write(`helmsman ${lvl}: ${message}\n`);
  };
}
