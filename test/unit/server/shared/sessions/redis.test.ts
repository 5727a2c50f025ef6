import { createLogger } from '../../../../../src/server/observability/logger.js';
import {
  createSharedConnection,
  type SharedConnection,
} from '../../../../../src/server/shared/redis/connection.js';
import { RedisSessionDirectory } from '../../../../../src/server/shared/redis/sessions.js';
import { eventually } from '../../../../helpers/eventually.js';
import { requireBinary } from '../../../../helpers/metrics.js';
import { startRedis } from '../../../../helpers/redis-server.js';
import { sessionDirectoryContract } from './contract.js';

// Runs a real 'redis-server' (Debian package redis-server) on a free loopback port.
requireBinary('redis-server', 'redis-server');

sessionDirectoryContract('RedisSessionDirectory', async () => {
  const redis = await startRedis();
  const connection = createSharedConnection(
    { redis: { url: redis.url, keyPrefix: 'beacon:', timeoutMs: 2000 }, replicaId: 'test' },
    createLogger({ logLevel: 'silent', logFormat: 'json', replicaId: 'test' }),
  ) as SharedConnection;
  await eventually('connection up', () => (connection.up ? true : undefined));
  return {
    async directory(options) {
      // Each case starts from an empty Redis, as a new deployment would.
      await connection.command(['FLUSHALL']);
      return new RedisSessionDirectory(connection, options);
    },
    async close() {
      await connection.close();
      await redis.stop();
    },
  };
});
