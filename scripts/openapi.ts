import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from '../apps/management/src/app.module';
import { FieldErrorDto, ProblemDto } from '../apps/management/src/common/api-problems';
import { loadConfig } from '../libs/common/src/config';
import { finalizeDocument, renderJson, renderYaml } from './openapi-document';

/** The repository root, whether this runs from scripts/ (jest) or dist/scripts/ (npm run). */
export const ROOT = [resolve(__dirname, '..'), resolve(__dirname, '..', '..')].find((d) => existsSync(join(d, 'nest-cli.json'))) ?? process.cwd();

/**
 * Builds the document from the controllers' decorators. Nest's preview mode resolves the module
 * graph without instantiating a single provider, so no PostgreSQL or Redis connection is opened;
 * the URLs below point at closed ports on purpose (the contract test checks nothing dials them).
 */
export async function buildOpenApiDocument(env: Record<string, string> = {}): Promise<OpenAPIObject> {
  const config = loadConfig({ DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent', MIGRATIONS_RUN: 'false', ...env });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, abortOnError: false, logger: false });
  try {
    const raw = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Headroom').addBearerAuth().build(), {
      extraModels: [ProblemDto, FieldErrorDto],
      operationIdFactory: (_controller, method) => method,
    });
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    return finalizeDocument(raw, { version });
  } finally {
    await app.close();
  }
}

/** Writes openapi.json and openapi.yaml into dir; returns their paths. */
export async function writeOpenApi(dir: string): Promise<string[]> {
  const doc = await buildOpenApiDocument();
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'openapi.json'), join(dir, 'openapi.yaml')];
  writeFileSync(files[0], renderJson(doc));
  writeFileSync(files[1], renderYaml(doc));
  return files;
}

if (require.main === module) {
  const out = process.argv[2] ? resolve(process.argv[2]) : join(ROOT, 'openapi');
  writeOpenApi(out).then(
    (files) => {
      for (const f of files) console.log(`wrote ${f}`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
