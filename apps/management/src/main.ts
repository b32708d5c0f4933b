// First: a worker answers the primary's metrics requests from its first moments (see the file).
import './common/worker-metrics-early';
import 'reflect-metadata';
import cluster from 'node:cluster';
import { Command } from 'commander';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../../../libs/common/src/config';
import { createManagementApp, hardenServer } from './bootstrap';
import { dataSourceOptions } from './data-source';
import { issueApiKey, issueEnrolmentToken } from './cli';
import { superviseWorkers } from './cluster';

async function serve(): Promise<void> {
  const config = loadConfig();
  if (config.MANAGEMENT_WORKERS > 1 && cluster.isPrimary) {
    // Migrate once, here, rather than racing in every worker; wait for the database as a
    // single process does (TypeORM's 9 connection attempts, 3 s apart).
    const log = pino({ name: 'management-primary', level: config.LOG_LEVEL });
    if (config.MIGRATIONS_RUN === 'true') {
      for (let attempt = 1; ; attempt++) {
        try {
          await runMigrations(config.DATABASE_URL, (line) => log.info(line));
          break;
        } catch (err) {
          if (attempt >= 9) throw err;
          log.warn({ err, attempt }, 'cannot migrate yet; retrying in 3 s');
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
    }
    process.exitCode = await superviseWorkers(config.MANAGEMENT_WORKERS, { MIGRATIONS_RUN: 'false' }, log);
    return;
  }
  // A worker stops when its primary says so (SIGTERM); Ctrl-C at a terminal reaches the whole
  // process group, and the primary's SIGTERM would otherwise cut the worker's graceful close short.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  const app = await createManagementApp(config, cluster.isWorker ? ['SIGTERM'] : undefined);
  hardenServer(app);
  await app.listen(config.PORT, config.HOST);
}

async function runMigrations(url: string, print: (line: string) => void): Promise<void> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    for (const m of ran) print(`applied ${m.name}`);
    print(ran.length ? `migrations: ${ran.length} applied` : 'migrations: up to date');
  } finally {
    await ds.destroy();
  }
}

async function migrate(): Promise<void> {
  await runMigrations(loadConfig().DATABASE_URL, (line) => console.log(line));
}

async function main(): Promise<void> {
  const program = new Command('management').description('Headroom management API').showHelpAfterError();
  program.command('serve', { isDefault: true }).description('serve the API (default)').action(serve);
  program.command('migrate').description('apply pending database migrations and exit').action(migrate);
  program
    .command('create-api-key')
    .description('create an API key and print it alone on the last line')
    .option('--scope <scope...>', 'admin, read or agent', ['admin'])
    .option('--name <name>', 'a label for the key', 'cli')
    .action(async (opts: { scope: string[]; name: string }) => console.log(await issueApiKey(loadConfig(), opts.scope, opts.name)));
  program
    .command('create-enrolment-token')
    .description('create an enrolment token for agents and print it alone on the last line')
    .option('--ttl <seconds>', 'lifetime in seconds', '86400')
    .option('--max-uses <n>', 'how many agents may enrol with it')
    .action(async (opts: { ttl: string; maxUses?: string }) =>
      console.log(await issueEnrolmentToken(loadConfig(), Number(opts.ttl), opts.maxUses ? Number(opts.maxUses) : undefined)),
    );
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
