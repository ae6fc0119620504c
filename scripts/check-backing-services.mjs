// Checks that Redis and PostgreSQL answer on the configured URLs, without any dependency (a raw
// TCP probe plus a protocol hello), so it can run before `pnpm install` has finished.
import net from "node:net";

const redisUrl = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const pgUrl = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");

function probe(host, port, hello, expect) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok, why) => {
      socket.destroy();
      resolve({ ok, why });
    };
    socket.setTimeout(2000, () => done(false, "timed out"));
    socket.on("error", (err) => done(false, err.code ?? err.message));
    socket.on("connect", () => socket.write(hello));
    socket.on("data", (buf) => done(expect(buf), `unexpected answer ${JSON.stringify(buf.subarray(0, 16).toString())}`));
  });
}

// PostgreSQL SSLRequest: any server answers a single byte 'S' or 'N'.
const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const [redis, pg] = await Promise.all([
  probe(redisUrl.hostname, redisUrl.port || 6379, "PING\r\n", (b) => /^(\+PONG|-NOAUTH)/.test(b.toString())),
  probe(pgUrl.hostname, pgUrl.port || 5432, sslRequest, (b) => b[0] === 0x53 || b[0] === 0x4e),
]);

const problems = [];
if (!redis.ok)
  problems.push(`Redis is not answering at ${redisUrl.host} (${redis.why}).
    Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    (laptop: 'apt install redis-server', 'brew install redis', or 'docker run -p 6379:6379 redis:7')`);
if (!pg.ok)
  problems.push(`PostgreSQL is not answering at ${pgUrl.host} (${pg.why}).
    Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    (laptop: 'apt install postgresql', 'brew install postgresql@16', or
     'docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16')`);
if (problems.length) {
  console.error(
    `\x1b[1;31mthreads-agent needs Redis and PostgreSQL:\x1b[0m\n  - ${problems.join("\n  - ")}\nSet REDIS_URL / DATABASE_URL to use other servers.`,
  );
  process.exit(1);
}
