import { DemoOptionsError, parseDemoOptions } from './demo-options';

describe('parseDemoOptions', () => {
  it('takes defaults, then the environment, then flags', () => {
    expect(parseDemoOptions([])).toMatchObject({ port: 9001, latencyMs: 0, bodyBytes: 100, logRequests: false });
    expect(parseDemoOptions([], { PORT: '9100', LATENCY_MS: '5' })).toMatchObject({ port: 9100, latencyMs: 5 });
    expect(parseDemoOptions(['--port', '9200', '--latency-ms=7', '--cpu-ms', '0.5', '--error-rate', '0.1', '--body-bytes', '65536', '--log-requests'], { PORT: '9100' }))
      .toEqual({ host: '127.0.0.1', port: 9200, latencyMs: 7, cpuMs: 0.5, errorRate: 0.1, bodyBytes: 65536, maxConcurrency: 0, logRequests: true });
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--latency-ms', '-1']],
    [['--error-rate', '2']],
    [['--nope']],
    [['--port']],
  ])('refuses %p', (argv) => {
    expect(() => parseDemoOptions(argv)).toThrow(DemoOptionsError);
  });
});
