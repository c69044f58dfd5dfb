/**
 * The Lua scripts of the Redis idempotency store. Each runs atomically on the server. A record is one string key
 * holding JSON: `{"s":"p"|"c","t":token,"x":"<expiry epoch ms>","h":hash?,"r":result?}`; `x` is text so Lua's
 * JSON codec never rounds it. Time is passed in (`now`) from the store's clock, so expiry follows the injected
 * clock, not Redis's own; the key's PX TTL only bounds storage.
 *
 * @example
 * ```ts
 * await client.eval(TAKEOVER_SCRIPT, { keys: [key], arguments: [String(now), value, String(px)] });
 * ```
 * @module
 */

/** Shared prologue: decode the record at KEYS[1] (nil when absent or not ours). */
const READ = `
local current = redis.call('GET', KEYS[1])
local record = nil
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.x) then record = decoded end
end
local now = tonumber(ARGV[1])
`;

/**
 * Acquire after `SET NX` found a key: if the record there is live, returns it (JSON text); otherwise (expired or
 * unreadable) replaces it with ARGV[2] for ARGV[3] ms and returns nil — the caller won the takeover.
 * ARGV: now, new value, px.
 */
export const TAKEOVER_SCRIPT = `${READ}
if record and tonumber(record.x) > now then return current end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return false
`;

/**
 * Complete: only the owner of a live in-progress record. Returns 1 on success, 0 otherwise.
 * ARGV: now, token, expiresAt (text), px, '1' when a result is given, result.
 */
export const COMPLETE_SCRIPT = `${READ}
if not record or record.s ~= 'p' or record.t ~= ARGV[2] or tonumber(record.x) <= now then return 0 end
record.s = 'c'
record.x = ARGV[3]
if ARGV[5] == '1' then record.r = ARGV[6] end
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', ARGV[4])
return 1
`;

/**
 * Release: deletes the owner's live in-progress record. Returns 1 when deleted, 0 otherwise (an expired claim is
 * deleted too, but reported as 0, like every store).
 * ARGV: now, token.
 */
export const RELEASE_SCRIPT = `${READ}
if not record or record.s ~= 'p' or record.t ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(record.x) <= now then return 0 end
return 1
`;

/**
 * Extend: moves the owner's live in-progress expiry. Returns 1 on success, 0 otherwise.
 * ARGV: now, token, new expiry (text), px.
 */
export const EXTEND_SCRIPT = `${READ}
if not record or record.s ~= 'p' or record.t ~= ARGV[2] or tonumber(record.x) <= now then return 0 end
record.x = ARGV[3]
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', ARGV[4])
return 1
`;
