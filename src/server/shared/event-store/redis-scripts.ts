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
// touch only keys with the session's hash tag, so they stay within one cluster slot. The meta
// hash keeps running totals of the ended lanes and the ended list their order, so ending a lane
// costs the same however many lanes the session has written.
const SETTLE = `
local function sizeOf(value)
  local at, e, b = string.match(value or '', '^(%d+) (%d+) (%d+)$')
  if not at then return nil end
  return at, tonumber(e), tonumber(b)
end

local function totals(meta)
  local e, b = string.match(redis.call('HGET', meta, 't') or '', '^(%d+) (%d+)$')
  return tonumber(e or 0), tonumber(b or 0)
end

local function forget(meta, lane)
  for request in string.gmatch(redis.call('HGET', meta, 'q:' .. lane) or '', '[^\\n]+') do
    redis.call('HDEL', meta, 'r:' .. request)
  end
  redis.call('HDEL', meta, 'l:' .. lane, 'q:' .. lane)
end

local function messageBytes(entry)
  for j = 1, #entry, 2 do
    if entry[j] == 'm' then return #entry[j + 1] end
  end
  return 0
end

-- Records a lane's size once it has ended: counted in the totals once, even if ended twice
-- (its writer and another replica answering for it after the lease).
local function record(meta, endedKey, lane, value)
  local events, bytes = totals(meta)
  local _, oldE, oldB = sizeOf(redis.call('HGET', meta, 'l:' .. lane))
  if oldE then
    events, bytes = events - oldE, bytes - oldB
  else
    redis.call('RPUSH', endedKey, lane)
  end
  local _, e, b = sizeOf(value)
  redis.call('HSET', meta, 'l:' .. lane, value, 't', (events + e) .. ' ' .. (bytes + b))
end

-- Keeps the session's ended lanes within maxEvents and maxBytes together, dropping the oldest
-- events of the oldest lanes first; the newest ended lane is within both bounds by itself.
-- Lanes whose key expired are forgotten as they come up.
local function settle(meta, endedKey, lanePrefix, maxEvents, maxBytes, ttl)
  local events, bytes = totals(meta)
  while (events > maxEvents or bytes > maxBytes) and redis.call('LLEN', endedKey) > 1 do
    local lane = redis.call('LINDEX', endedKey, 0)
    local key = lanePrefix .. lane
    local at, e, b = sizeOf(redis.call('HGET', meta, 'l:' .. lane))
    e, b = e or 0, b or 0
    local needE, needB = events - maxEvents, bytes - maxBytes
    local dropE, dropB, kept = 0, 0, false
    if redis.call('EXISTS', key) == 1 and e > needE and b > needB then
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
      redis.call('HSET', meta, 'l:' .. lane, at .. ' ' .. (e - dropE) .. ' ' .. (b - dropB))
      events, bytes = events - dropE, bytes - dropB
    else
      redis.call('DEL', key)
      redis.call('LPOP', endedKey)
      forget(meta, lane)
      events, bytes = events - e, bytes - b
    end
  end
  if redis.call('LLEN', endedKey) <= 1 then
    -- Nothing older to drop: the totals are the newest lane's own (or none), whatever they said.
    local _, e, b = sizeOf(redis.call('HGET', meta, 'l:' .. (redis.call('LINDEX', endedKey, 0) or '')))
    events, bytes = e or 0, b or 0
  end
  redis.call('HSET', meta, 't', events .. ' ' .. bytes)
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', endedKey, ttl)
end
`;

/**
 * Appends one event-loop turn's entries to a lane, in order, then trims it to the oldest entry
 * to keep, names it in the meta hash on its first write (with the requests it answers), and
 * refreshes both expiries. An entry Redis refuses (an id not above the lane's last, after another
 * replica answered for this one) does not stop the others. Returns { refused, first error }.
 * KEYS: lane, meta, ended list. ARGV: lane, cut or '', refresh '1' or '', register '1' or '', the request id
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
  local fields = { 'l:' .. lane, 'open', 'q:' .. lane, ARGV[5] }
  for request in string.gmatch(ARGV[5], '[^\\n]+') do
    table.insert(fields, 'r:' .. request)
    table.insert(fields, lane)
  end
  redis.call('HSET', meta, unpack(fields))
end
if ARGV[3] == '1' then
  redis.call('PEXPIRE', key, ARGV[6])
  redis.call('PEXPIRE', meta, ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
return { refused, firstError }
`);

/**
 * A lane has had its last response: records its size and settles the session's bounds.
 * KEYS: meta, ended list. ARGV: lane, `<ended at ms> <events> <bytes>`, lane key prefix, maxEvents,
 * maxBytes, ttl ms.
 */
export const endLane = new RedisScript(`${SETTLE}
record(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
settle(KEYS[1], KEYS[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6])
return 1
`);

/**
 * Appends a response for a request whose writer is gone, to the lane its events went to, unless
 * the lane is gone, has ended, or already answered that request; it is the lane's last response
 * when every other request of its POST was answered. Returns the new entry id, or nil.
 * KEYS: meta, ended list. ARGV: request id JSON, message JSON, now ms, lane key prefix, maxEvents,
 * maxBytes, ttl ms.
 */
export const appendResponse = new RedisScript(`${SETTLE}
local meta, request, message, lanePrefix = KEYS[1], ARGV[1], ARGV[2], ARGV[4]
local lane = redis.call('HGET', meta, 'r:' .. request)
if not lane then return false end
local key = lanePrefix .. lane
if redis.call('EXISTS', key) == 0 then return false end
local waiting = {}
for answered in string.gmatch(redis.call('HGET', meta, 'q:' .. lane) or '', '[^\\n]+') do
  waiting[answered] = true
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
  record(meta, KEYS[2], lane, ARGV[3] .. ' ' .. kept .. ' ' .. (bytes + #message))
  settle(meta, KEYS[2], lanePrefix, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
end
return id
`);

/** Deletes the session's meta hash, its ended list and every lane it names. KEYS: meta, ended list. ARGV: lane key prefix. */
export const clearSession = new RedisScript(`
local fields = redis.call('HGETALL', KEYS[1])
local keys, deleted = { KEYS[1], KEYS[2] }, 0
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'l:' then table.insert(keys, ARGV[1] .. string.sub(fields[i], 3)) end
end
for first = 1, #keys, 500 do
  deleted = deleted + redis.call('DEL', unpack(keys, first, math.min(first + 499, #keys)))
end
return deleted
`);
