import { ConfigError, loadConfig } from './config/config.js';
import { buildApp } from './app.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await buildApp(config, { logger });
  const address = await app.listen();
  logger.info({ address, database: app.storage.dialect }, `Wasla is listening on ${address}`);
  if (!(await app.auth.hasUsers())) {
    process.stdout.write(
      `\nWasla has no user yet. Create the first admin (the password is read from standard input):\n` +
        `  npm run user:create -- --email you@example.com --role admin\n` +
        `or start with WASLA_ADMIN_EMAIL and WASLA_ADMIN_PASSWORD set. Then open ${address}\n\n`,
    );
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Wasla could not start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
