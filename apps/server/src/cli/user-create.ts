// `npm run user:create -- --email a@b.c --role admin [--name "…"] [--password …]`
// Without --password the password is read from standard input (so it stays out of shell history).
import { parseArgs } from 'node:util';
import { text } from 'node:stream/consumers';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { openStorage } from '../storage/db.js';
import { UsersRepository } from '../modules/users/repository.js';
import { AuthRepository } from '../modules/auth/repository.js';
import { AuthService } from '../modules/auth/service.js';
import { DuplicateError } from '../storage/errors.js';
import { AppError } from '../errors/app-error.js';
import { PASSWORD_MIN_LENGTH } from '../modules/auth/password-policy.js';

const argsSchema = z.object({
  email: z.email('--email must be an email address'),
  role: z.enum(['admin', 'operator'], '--role must be admin or operator'),
  name: z.string().min(1).max(100).optional(),
  password: z.string().min(PASSWORD_MIN_LENGTH, `the password must be at least ${PASSWORD_MIN_LENGTH} characters`),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, role: { type: 'string', default: 'operator' }, name: { type: 'string' }, password: { type: 'string' } },
    strict: true,
  });
  const password = values.password ?? (process.stdin.isTTY ? '' : (await text(process.stdin)).trim());
  const parsed = argsSchema.safeParse({ ...values, password });
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((issue) => `- ${issue.message}`).join('\n')}\n`);
    process.stderr.write('Usage: npm run user:create -- --email you@example.com --role admin|operator [--name "Your Name"] [--password …] (or the password on stdin)\n');
    return 2;
  }
  const config = loadConfig(process.env);
  const logger = createLogger('warn');
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const auth = new AuthService({ users: new UsersRepository(storage.db), repository: new AuthRepository(storage.db), sessionTtlMs: config.auth.sessionTtlMs, logger });
    const { email, role, name } = parsed.data;
    const user = await auth.createUser({ email, role, name: name ?? email.split('@')[0] ?? email, password: parsed.data.password });
    process.stdout.write(`Created ${user.role} ${user.email} (id ${user.id}).\n`);
    return 0;
  } catch (error) {
    if (error instanceof DuplicateError) {
      process.stderr.write(`A user with the email ${parsed.data.email} already exists.\n`);
      return 1;
    }
    if (error instanceof AppError && error.code === 'weak_password') {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await storage.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `user:create failed: ${String(error)}\n`);
    process.exit(1);
  },
);
