/** The part of a pino logger the storage layer uses; a pino `Logger` fits as is. */
export interface StorageLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
