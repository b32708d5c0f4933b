import { ConfigError, loadConfig } from './config';

describe(loadConfig.name, () => {
  it('fills defaults from an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/headroom', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'headroom' });
  });

  it('converts numbers and keeps given values', () => {
    expect(loadConfig({ PORT: '9090', REDIS_PREFIX: 'x-1' })).toMatchObject({ PORT: 9090, REDIS_PREFIX: 'x-1' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_PREFIX', 'has space'],
  ])('rejects %s=%s with a message naming it', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}=`));
  });
});
