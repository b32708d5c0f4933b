import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../../../libs/common/src/config';
import { ENTITIES } from './database/entities';
import { SnakeNamingStrategy } from './database/snake-naming.strategy';

/** DataSource options shared by the app, the CLI commands and the TypeORM migration CLI. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: [join(__dirname, 'migrations', '*.{js,ts}')],
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: 20, connectionTimeoutMillis: 5000, statement_timeout: 15000 },
  };
}

/** Used by `typeorm migration:generate|run -d dist/apps/management/src/data-source.js`. */
export default new DataSource(dataSourceOptions(loadConfig().DATABASE_URL));
