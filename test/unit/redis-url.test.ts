import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redisTarget } from '../../src/store/redis-url.ts';

const problemsOf = (url: string): string[] => {
  const parsed = parseRedisUrl(url);
  if (parsed.ok) throw new Error(`${url} parsed`);
  return parsed.problems;
};

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', []],
    ['redis://:s3cr%2Ft@127.0.0.1:6379/2', [{ name: 'the password', value: 's3cr/t' }]],
    ['rediss://user:pw@redis.example.org:6380', [{ name: 'the password', value: 'pw' }]],
    ['/var/lib/voxoz/redis/redis.sock', []],
  ])('takes one server as written: %s', (url, secrets) => {
    expect(parseRedisUrl(url)).toEqual({ ok: true, target: { kind: 'server', url, secrets } });
  });

  it('reads a Sentinel group: sentinels, master name, db, the master password and the sentinels own', () => {
    expect(
      parseRedisUrl(
        'redis+sentinel://:p%40ss@192.0.2.1:26379,192.0.2.2,[::1]:26380/mymaster/3?sentinelPassword=s%2Bp&sentinelUsername=sen',
      ),
    ).toEqual({
      ok: true,
      target: {
        kind: 'sentinel',
        options: {
          sentinels: [
            { host: '192.0.2.1', port: 26379 },
            { host: '192.0.2.2', port: 26379 },
            { host: '::1', port: 26380 },
          ],
          name: 'mymaster',
          db: 3,
          password: 'p@ss',
          sentinelPassword: 's+p',
          sentinelUsername: 'sen',
        },
        secrets: [
          { name: 'the password', value: 'p@ss' },
          { name: 'the sentinel password', value: 's+p' },
        ],
      },
    });
  });

  it('takes an ACL user and no password, and no db', () => {
    const parsed = parseRedisUrl('redis+sentinel://voxoz@s1:26379/main');
    expect(parsed).toEqual({
      ok: true,
      target: { kind: 'sentinel', options: { sentinels: [{ host: 's1', port: 26379 }], name: 'main', username: 'voxoz' }, secrets: [] },
    });
  });

  it('lists every problem of a sentinel URL at once, each saying what would be right, none quoting the password', () => {
    const problems = problemsOf('redis+sentinel://:hunter22@s1:99999,,s3:x/?color=red');
    expect(problems).toEqual([
      'has sentinel "s1:99999" with port 99999; a port is 1..65535 (sentinels listen on 26379 by default)',
      'has "" where a sentinel belongs; write host:port (e.g. 192.0.2.5:26379 or [::1]:26379)',
      'has "s3:x" where a sentinel belongs; write host:port (e.g. 192.0.2.5:26379 or [::1]:26379)',
      'names no master: put the master name the sentinels monitor after the hosts, as in redis+sentinel://[:password@]host1:26379,host2:26379,host3:26379/<master-name>[/<db>]',
      'has an unknown parameter "color"; the sentinel form takes sentinelPassword and sentinelUsername only',
    ]);
    expect(problems.join(' ')).not.toContain('hunter22');
  });

  it.each([
    ['redis+sentinel:///mymaster', /^names no sentinel: list them after "redis\+sentinel:\/\/"/],
    ['redis+sentinel://s1/mymaster/zero', /^has "\/zero" after the master name, where a database number belongs/],
    ['redis+sentinel://s1/mymaster/0/x', /^has "\/x" after the database number/],
    ['redis+sentinel://:%zz@s1/m', /^the password is not valid percent-encoding/],
    ['rediss+sentinel://s1/m', /^TLS to a Sentinel group \(rediss\+sentinel:\/\/\) is not supported/],
    ['http://:hunter22@127.0.0.1:6379', /^must be redis:\/\/host:6379, .*; got "http:\/\/127\.0\.0\.1:6379"$/],
    ['localhost:6379', /^must be redis:\/\/host:6379, rediss:\/\/host:6379, an absolute unix socket path, or redis\+sentinel:/],
    ['redis://h:6379/db1', /^has "\/db1" after the host, where a database number belongs/],
    ['redis://:hunter22@h:port', /^is not a valid URL: "redis:\/\/h:port"/],
  ])('refuses %s, saying why', (url, why) => {
    const problems = problemsOf(url);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(why);
    expect(problems[0]).not.toContain('hunter22');
  });

  it('redisTarget throws one error naming the setting and every problem', () => {
    expect(() => redisTarget('redis+sentinel://', 'REDIS_URL')).toThrow(/^REDIS_URL names no sentinel: .*; names no master: /);
    expect(redisTarget('redis+sentinel://a,b/m')).toMatchObject({ kind: 'sentinel', options: { name: 'm' } });
  });
});
