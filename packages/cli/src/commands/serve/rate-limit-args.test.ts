import { CliError } from '../../args.js';
import { parseServeArgs } from './serve-args.js';

describe('portico serve --rate-limit-*', () => {
  it('gives the translator the service (fail open, default timeout) and the config folder', () => {
    expect(parseServeArgs(['--rate-limit-service', 'ratelimit.portico-system.svc:8081', '--rate-limit-config-dir', '/srv/rl/config'])).toMatchObject({
      rateLimitService: { host: 'ratelimit.portico-system.svc', port: 8081, failOpen: true },
      rateLimitConfigDir: '/srv/rl/config',
    });
    expect(parseServeArgs(['--rate-limit-service', '[::1]:9000', '--rate-limit-fail-closed', '--rate-limit-timeout-ms', '250'])).toMatchObject({
      rateLimitService: { host: '::1', port: 9000, failOpen: false, timeoutMs: 250 },
    });
    expect(parseServeArgs([])).not.toHaveProperty('rateLimitService');
  });

  it.each([
    [['--rate-limit-service', 'ratelimit'], "invalid --rate-limit-service 'ratelimit': expected HOST:PORT"],
    [['--rate-limit-service', 'host:70000'], 'expected HOST:PORT'],
    [['--rate-limit-fail-closed'], '--rate-limit-fail-closed needs --rate-limit-service'],
    [['--rate-limit-config-dir', '/x'], '--rate-limit-config-dir needs --rate-limit-service'],
    [['--rate-limit-service', 'h:1', '--rate-limit-timeout-ms', '0'], 'expected a whole number of milliseconds from 1 to 60000'],
  ])('refuses %j', (args, message) => {
    expect(() => parseServeArgs(args)).toThrow(CliError);
    expect(() => parseServeArgs(args)).toThrow(message);
  });
});

describe('portico translate --rate-limit-service', () => {
  it('translates global rate limits as serve would serve them', async () => {
    const { parseTranslateArgs } = await import('../translate/translate-args.js');
    expect(parseTranslateArgs(['-f', 'x.yaml', '--to', 'ir', '--rate-limit-service', '10.0.0.1:8081', '--rate-limit-fail-closed'])).toMatchObject({
      rateLimitService: { host: '10.0.0.1', port: 8081, failOpen: false },
    });
    expect(() => parseTranslateArgs(['-f', 'x.yaml', '--to', 'ir', '--rate-limit-config-dir', '/x'])).toThrow("unknown option '--rate-limit-config-dir'");
  });
});
