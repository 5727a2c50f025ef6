import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';

/** What the scripts need of a node-redis client. */
export type ScriptClient = Pick<RedisClientType, 'eval' | 'evalSha' | 'scriptLoad' | 'sendCommand'>;

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

/** A Lua script sent by its SHA1. */
export class RedisScript {
  readonly sha: string;
  /** Per client: true once Redis has the script, or the load in progress. */
  readonly #loaded = new WeakMap<ScriptClient, true | Promise<void>>();

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Whether `runInOrder` has loaded it for this client: its calls then go out at once. */
  loadedFor(client: ScriptClient): boolean {
    return this.#loaded.get(client) === true;
  }

  /** Runs it, sending the whole script once when Redis does not know it yet. */
  async run(client: ScriptClient, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    try {
      return await client.evalSha(this.sha, options);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, options);
    }
  }

  /**
   * Runs it so that calls on one connection apply in the order they were made. A retry after
   * NOSCRIPT would break that (a later call could run first), so the script is loaded before the
   * first call, calls made meanwhile wait for the load in order, and a call that meets NOSCRIPT
   * (Redis restarted) fails and has the next call load the script again.
   */
  runInOrder(client: ScriptClient, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    const send = () =>
      client.evalSha(this.sha, options).catch((error: unknown) => {
        if (isNoScript(error)) this.#loaded.delete(client);
        throw error;
      });
    let loaded = this.#loaded.get(client);
    if (loaded === true) return send();
    if (loaded === undefined) {
      loaded = client.scriptLoad(this.source).then(() => undefined);
      // Registered first, so it runs before the calls that waited: they keep their order.
      loaded.then(
        () => this.#loaded.set(client, true),
        () => this.#loaded.delete(client),
      );
      this.#loaded.set(client, loaded);
    }
    return loaded.then(send);
  }
}

// Shared by the scripts below. Lanes are named in the meta hash (see redis-keys.ts); the scripts
// touch only keys with the session's hash tag, so they stay within one cluster slot.
const SETTLE = `
local function forget(meta, fields, lane)
  redis.call('HDEL', meta, 'l:' .. lane)
  for i = 1, #fields, 2 do
    if fields[i + 1] == lane and string.sub(fields[i], 1, 2) == 'r:' then
      redis.call('HDEL', meta, fields[i])
    end
  end
end

local function messageBytes(entry)
  for j = 1, #entry, 2 do
    if entry[j] == 'm' then return #entry[j + 1] end
  end
  return 0
end

-- Keeps the session's ended lanes within maxEvents and maxBytes together, dropping the oldest
-- events of the oldest lanes first; the newest ended lane is within both bounds by itself.
-- Lanes whose key expired are forgotten.
local function settle(meta, lanePrefix, maxEvents, maxBytes, ttl)
  local fields = redis.call('HGETALL', meta)
  local ended, events, bytes = {}, 0, 0
  for i = 1, #fields, 2 do
    local field, value = fields[i], fields[i + 1]
    if string.sub(field, 1, 2) == 'l:' then
      local lane = string.sub(field, 3)
      if redis.call('EXISTS', lanePrefix .. lane) == 0 then
        forget(meta, fields, lane)
      else
        local at, e, b = string.match(value, '^(%d+) (%d+) (%d+)$')
        if at then
          table.insert(ended, { lane = lane, at = at, e = tonumber(e), b = tonumber(b) })
          events, bytes = events + tonumber(e), bytes + tonumber(b)
        end
      end
    end
  end
  table.sort(ended, function(x, y)
    if #x.at ~= #y.at then return #x.at < #y.at end
    if x.at ~= y.at then return x.at < y.at end
    return x.lane < y.lane
  end)
  local i = 1
  while (events > maxEvents or bytes > maxBytes) and i < #ended do
    local lane = ended[i]
    local key = lanePrefix .. lane.lane
    local needE, needB = events - maxEvents, bytes - maxBytes
    local dropE, dropB, kept = 0, 0, false
    if lane.e > needE and lane.b > needB then
      for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
        if dropE >= needE and dropB >= needB then
          redis.call('XTRIM', key, 'MINID', entry[1])
          kept = true
          break
        end
        dropE, dropB = dropE + 1, dropB + messageBytes(entry[2])
      end
    end
    if kept then
      redis.call('HSET', meta, 'l:' .. lane.lane, lane.at .. ' ' .. (lane.e - dropE) .. ' ' .. (lane.b - dropB))
      events, bytes = events - dropE, bytes - dropB
    else
      redis.call('DEL', key)
      forget(meta, fields, lane.lane)
      events, bytes = events - lane.e, bytes - lane.b
    end
    i = i + 1
  end
  redis.call('PEXPIRE', meta, ttl)
end
`;

/**
 * Appends one event-loop turn's entries to a lane, in order, then trims it to the oldest entry
 * to keep, names it in the meta hash on its first write (with the requests it answers), and
 * refreshes both expiries. An entry Redis refuses (an id not above the lane's last, after another
 * replica answered for this one) does not stop the others. Returns { refused, first error }.
 * KEYS: lane, meta. ARGV: lane, cut or '', refresh '1' or '', register '1' or '', the request id
 * JSONs the lane answers joined by newlines, ttl ms, then per entry: id, message JSON, request id
 * JSON of a response or '', '1' for the stream's last response or ''.
 */
export const appendEntries = new RedisScript(`
local key, meta, lane = KEYS[1], KEYS[2], ARGV[1]
local refused, firstError = 0, ''
for i = 7, #ARGV, 4 do
  local reply
  if ARGV[i + 2] == '' then
    reply = redis.pcall('XADD', key, ARGV[i], 'm', ARGV[i + 1])
  elseif ARGV[i + 3] == '' then
    reply = redis.pcall('XADD', key, ARGV[i], 'm', ARGV[i + 1], 'r', ARGV[i + 2])
  else
    reply = redis.pcall('XADD', key, ARGV[i], 'm', ARGV[i + 1], 'r', ARGV[i + 2], 'f', '1')
  end
  if type(reply) == 'table' and reply.err then
    refused = refused + 1
    if firstError == '' then firstError = reply.err end
  end
end
if ARGV[2] ~= '' then redis.call('XTRIM', key, 'MINID', ARGV[2]) end
if ARGV[4] == '1' then
  local fields = { 'l:' .. lane, 'open' }
  for request in string.gmatch(ARGV[5], '[^\\n]+') do
    table.insert(fields, 'r:' .. request)
    table.insert(fields, lane)
  end
  redis.call('HSET', meta, unpack(fields))
end
if ARGV[3] == '1' then
  redis.call('PEXPIRE', key, ARGV[6])
  redis.call('PEXPIRE', meta, ARGV[6])
end
return { refused, firstError }
`);

/**
 * A lane has had its last response: records its size and settles the session's bounds.
 * KEYS: meta. ARGV: lane, `<ended at ms> <events> <bytes>`, lane key prefix, maxEvents, maxBytes, ttl ms.
 */
export const endLane = new RedisScript(`${SETTLE}
redis.call('HSET', KEYS[1], 'l:' .. ARGV[1], ARGV[2])
settle(KEYS[1], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])
return 1
`);

/**
 * Appends a response for a request whose writer is gone, to the lane its events went to, unless
 * the lane is gone, has ended, or already answered that request; it is the lane's last response
 * when every other request of its POST was answered. Returns the new entry id, or nil.
 * KEYS: meta. ARGV: request id JSON, message JSON, now ms, lane key prefix, maxEvents, maxBytes, ttl ms.
 */
export const appendResponse = new RedisScript(`${SETTLE}
local meta, request, message, lanePrefix = KEYS[1], ARGV[1], ARGV[2], ARGV[4]
local lane = redis.call('HGET', meta, 'r:' .. request)
if not lane then return false end
local key = lanePrefix .. lane
if redis.call('EXISTS', key) == 0 then return false end
local waiting = {}
local fields = redis.call('HGETALL', meta)
for i = 1, #fields, 2 do
  if fields[i + 1] == lane and string.sub(fields[i], 1, 2) == 'r:' then waiting[string.sub(fields[i], 3)] = true end
end
local events, bytes = 0, 0
for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
  local f = entry[2]
  events = events + 1
  for j = 1, #f, 2 do
    if f[j] == 'f' then return false end
    if f[j] == 'r' then
      if f[j + 1] == request then return false end
      waiting[f[j + 1]] = nil
    elseif f[j] == 'm' then
      bytes = bytes + #f[j + 1]
    end
  end
end
waiting[request] = nil
local last = next(waiting) == nil
local id
if last then
  id = redis.call('XADD', key, 'MAXLEN', ARGV[5], '*', 'm', message, 'r', request, 'f', '1')
else
  id = redis.call('XADD', key, 'MAXLEN', ARGV[5], '*', 'm', message, 'r', request)
end
redis.call('PEXPIRE', key, ARGV[7])
if last then
  local kept = math.min(events + 1, tonumber(ARGV[5]))
  redis.call('HSET', meta, 'l:' .. lane, ARGV[3] .. ' ' .. kept .. ' ' .. (bytes + #message))
  settle(meta, lanePrefix, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
end
return id
`);

/** Deletes the session's meta hash and every lane it names. KEYS: meta. ARGV: lane key prefix. */
export const clearSession = new RedisScript(`
local fields = redis.call('HGETALL', KEYS[1])
local keys, deleted = { KEYS[1] }, 0
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'l:' then table.insert(keys, ARGV[1] .. string.sub(fields[i], 3)) end
end
for first = 1, #keys, 500 do
  deleted = deleted + redis.call('DEL', unpack(keys, first, math.min(first + 499, #keys)))
end
return deleted
`);
