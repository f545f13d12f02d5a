import { afterEach, describe, expect, it, vi } from 'vitest';
import { SetupError } from './proc.mjs';
import { describeHost, ensurePrograms, installPlan } from './system.mjs';

const debian = { platform: 'linux', debian: true, apt: true, root: false, sudo: false };

afterEach(() => {
  delete process.env.DIGAME_ASSUME_MISSING;
  vi.restoreAllMocks();
});

describe('installing missing programs', () => {
  it('installs with apt-get as root or with passwordless sudo on Debian and Ubuntu', () => {
    expect(installPlan(['redis'], { ...debian, root: true })).toEqual({
      install: true,
      aptGet: ['apt-get'],
      packages: ['redis-server'],
    });
    expect(installPlan(['postgres', 'chromium'], { ...debian, sudo: true })).toEqual({
      install: true,
      aptGet: ['sudo', '-n', 'apt-get'],
      packages: ['postgresql-15', 'chromium', 'fonts-liberation'],
    });
  });

  it('otherwise names the one command to run', () => {
    expect(installPlan(['postgres', 'redis'], debian)).toEqual({
      install: false,
      command: 'sudo apt-get install -y postgresql-15 redis-server',
    });
    expect(installPlan(['redis'], { ...debian, apt: false }).install).toBe(false);
    expect(installPlan(['postgres', 'redis'], { ...debian, platform: 'darwin', debian: false })).toEqual({
      install: false,
      command: 'brew install postgresql@15 redis',
    });
  });

  it('fails in one line with that command when it may not install', async () => {
    process.env.DIGAME_ASSUME_MISSING = 'redis';
    const refusal = ensurePrograms(['postgres', 'redis'], { host: () => debian });
    await expect(refusal).rejects.toBeInstanceOf(SetupError);
    await expect(refusal).rejects.toThrow(
      'Not found: redis-server. Install with: sudo apt-get install -y redis-server  (or set REDIS_URL, or run "docker compose up")',
    );
  });

  const host = describeHost();
  it.skipIf(!(host.debian && host.apt && (host.root || host.sudo)))(
    'runs apt-get for a missing program after saying so in one line',
    async () => {
      // Installed already, so apt-get finds nothing to do — but the whole path runs for real.
      process.env.DIGAME_ASSUME_MISSING = 'redis';
      const said = vi.spyOn(console, 'log').mockImplementation(() => {});
      await ensurePrograms(['redis']);
      expect(said.mock.calls).toEqual([['Installing redis-server: apt-get install -y redis-server…']]);
    },
    120_000,
  );
});
