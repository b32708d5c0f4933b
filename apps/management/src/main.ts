import 'reflect-metadata';
import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../../../libs/common/src/config';
import { createManagementApp, hardenServer } from './bootstrap';
import { dataSourceOptions } from './data-source';
import { issueApiKey, issueEnrolmentToken } from './cli';

async function serve(): Promise<void> {
  const config = loadConfig();
  const app = await createManagementApp(config);
  hardenServer(app);
  await app.listen(config.PORT, config.HOST);
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const ds = new DataSource(dataSourceOptions(config.DATABASE_URL));
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    for (const m of ran) console.log(`applied ${m.name}`);
    console.log(ran.length ? `migrations: ${ran.length} applied` : 'migrations: up to date');
  } finally {
    await ds.destroy();
  }
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
