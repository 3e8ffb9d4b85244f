/**
 * The Lua scripts of the Redis adapter. Each runs atomically inside Redis, so a batch's
 * preconditions and writes cannot interleave with another writer's. Arguments arrive as one
 * JSON document (ARGV[1], built by redis-user-state-store.ts) plus binary profile blobs
 * (ARGV[2..]); keys are computed by the caller from StateKeys. Per-entry data travels as flat
 * arrays (one Lua table per section rather than one per entry), and every redis.call is
 * counted: inside a script each costs about a microsecond on top of the command itself, so the
 * layouts are chosen to need few of them per event.
 *
 * Redis Cluster: these scripts touch keys of many users and items in one call, which Cluster
 * only allows within one hash slot. The adapter therefore targets a single Redis primary (with
 * replicas / Sentinel for availability); see the README.
 *
 * Numbers: Redis turns Lua numbers into integers when replying, so every float leaves as a
 * string. Profile offsets (1-based here) follow user-profile.ts: revision at 5, lastEventAt at
 * 9, flags at 2 (recent count = flags / 4), dimension at 3, recent entries of 5 bytes from 41,
 * then the vectors, then the seen trailer when there is one.
 */

const RECENT_REFS = `
local function recent_refs(blob)
  local n = math.floor(string.byte(blob, 2) / 4)
  local refs = {}
  for k = 0, n - 1 do refs[k + 1] = struct.unpack('<I4', blob, 41 + 5 * k) end
  return refs
end
-- The seen trailer (user-profile.ts): after the recent entries and the vectors, when present.
local function seen_refs(blob)
  local flags = string.byte(blob, 2)
  local vectors = (flags % 2) + (math.floor(flags / 2) % 2)
  local at = 41 + 5 * math.floor(flags / 4) + struct.unpack('<I2', blob, 3) * vectors
  local refs = {}
  if #blob < at + 1 then return refs end
  local n = struct.unpack('<I2', blob, at)
  for k = 0, n - 1 do refs[k + 1] = struct.unpack('<I4', blob, at + 2 + 4 * k) end
  return refs
end
`;

/** Forget marks: one sorted set, pseudonym → expiry (ms, or +inf). */
const FORGOTTEN = `
local function forgotten_flags(key, pseudonyms, now)
  local flags = {}
  if #pseudonyms == 0 then return flags end
  local scores = redis.call('ZMSCORE', key, unpack(pseudonyms))
  for i = 1, #pseudonyms do
    local s = scores[i]
    flags[i] = (s and (s == 'inf' or tonumber(s) > now)) and 1 or 0
  end
  return flags
end
`;

/** Which events were seen, which users are forgotten, their profiles and recent item ids; interns items. */
export const PREPARE = `${RECENT_REFS}${FORGOTTEN}
local r = cjson.decode(ARGV[1])
-- Dedup records grouped by hash: one HMGET per hash (a batch's events share few day/shard hashes).
local seen = {}
local d = r.d
for i = 1, #d, 2 do
  local fields = d[i + 1]
  local found = {}
  for k = 1, #fields, 2000 do
    local part = redis.call('HMGET', d[i], unpack(fields, k, math.min(#fields, k + 1999)))
    for _, v in ipairs(part) do found[#found + 1] = v and 1 or 0 end
  end
  seen[#seen + 1] = found
end
local forgotten = forgotten_flags(r.fk, r.p, r.now)
local users = {}
for i, p in ipairs(r.p) do
  local blob = redis.call('HGET', r.u[i], p)
  local ids = {}
  if blob then
    local refs = recent_refs(blob)
    if #refs > 0 then ids = redis.call('HMGET', r.rk, unpack(refs)) end
  else
    blob = ''
  end
  users[i] = { forgotten[i], blob, ids }
end
local refs = {}
for i, item in ipairs(r.i) do
  local ref = redis.call('HGET', r.ik, item)
  if not ref then
    ref = redis.call('INCR', r.sk)
    redis.call('HSET', r.ik, item, ref)
    redis.call('HSET', r.rk, ref, item)
  end
  refs[i] = tonumber(ref)
end
return { seen, users, refs }
`;

/** All-or-nothing: checks every precondition first, then writes everything. Returns {1} or {0, conflict}. */
export const APPLY = `${FORGOTTEN}
local p = cjson.decode(ARGV[1])
local s = p.s
local d, u = p.d, p.u
-- Keys travel as their distinguishing part; the prefixes are in s. Dedup records come grouped
-- by hash: {hash, {fields}, expire-at} triples.
for i = 1, #d, 3 do d[i] = s.dp .. d[i] end
for i = 1, #u, 4 do u[i] = s.up .. u[i] end
for i = 1, #d, 3 do
  local fields = d[i + 1]
  for k = 1, #fields, 2000 do
    for _, v in ipairs(redis.call('HMGET', d[i], unpack(fields, k, math.min(#fields, k + 1999)))) do
      if v then return { 0, 'duplicate' } end
    end
  end
end
local pseudonyms = {}
for i = 1, #u, 4 do pseudonyms[#pseudonyms + 1] = u[i + 1] end
for _, f in ipairs(forgotten_flags(s.fk, pseudonyms, p.now)) do
  if f == 1 then return { 0, 'forgotten' } end
end
for i = 1, #u, 4 do
  local expected = u[i + 2]
  if expected ~= -2 then
    local cur = redis.call('HGET', u[i], u[i + 1])
    if expected == -1 then
      if cur then return { 0, 'profile-changed' } end
    elseif (not cur) or struct.unpack('<I4', cur, 5) ~= expected then
      return { 0, 'profile-changed' }
    end
  end
end

for i = 1, #d, 3 do
  local fields = d[i + 1]
  for k = 1, #fields, 2000 do
    local args = {}
    for j = k, math.min(#fields, k + 1999) do
      args[#args + 1] = fields[j]
      args[#args + 1] = '1'
    end
    redis.call('HSET', d[i], unpack(args))
  end
  redis.call('EXPIREAT', d[i], d[i + 2])
end
for i = 1, #u, 4 do
  if u[i + 3] > 0 then redis.call('HSET', u[i], u[i + 1], ARGV[1 + u[i + 3]]) end
end

-- Item windows (item-stats.ts): one HINCRBY per metric into the event's hour field; a write that
-- opens a field prunes the hash (hours 24+ back folded into their day, days 7+ back dropped)
-- and refreshes its TTL, which happens about once per item, hour and metric.
local function prune(key, hour)
  local today = math.floor(hour / 24)
  local all = redis.call('HGETALL', key)
  local drop, fold = {}, {}
  for k = 1, #all, 2 do
    local kind, num, m = string.match(all[k], '^([hd])(%d+)(%a)$')
    if kind then
      local n = tonumber(num)
      if kind == 'h' and n <= hour - 24 then
        drop[#drop + 1] = all[k]
        local day = math.floor(n / 24)
        if day > today - 7 then
          local f = 'd' .. day .. m
          fold[f] = (fold[f] or 0) + tonumber(all[k + 1])
        end
      elseif kind == 'd' and n <= today - 7 then
        drop[#drop + 1] = all[k]
      end
    end
  end
  if #drop > 0 then redis.call('HDEL', key, unpack(drop)) end
  for f, n in pairs(fold) do redis.call('HINCRBY', key, f, n) end
  redis.call('EXPIRE', key, s.it)
end
local letters = { 'i', 'c', 'a', 'p' }
local ic = p.ic
-- Popularity (popularity.ts): engagement (clicks + 2 carts + 4 purchases) into the event day's
-- sorted set; a set that gained a member is trimmed to its top s.pm and gets its expiry.
local ptouched = {}
for i = 1, #ic, 6 do
  local key, hour = s.ip .. ic[i], ic[i + 1]
  local opened = false
  for m = 1, 4 do
    local n = ic[i + 1 + m]
    if n ~= 0 and redis.call('HINCRBY', key, 'h' .. hour .. letters[m], n) == n then opened = true end
  end
  if opened then prune(key, hour) end
  local e = math.max(0, ic[i + 3]) + 2 * math.max(0, ic[i + 4]) + 4 * math.max(0, ic[i + 5])
  if e > 0 then
    local day = math.floor(hour / 24)
    local pkey = s.pp .. day
    if tonumber(redis.call('ZINCRBY', pkey, e, ic[i])) == e then ptouched[pkey] = day end
  end
end

local function trim(key, max)
  local n = redis.call('ZCARD', key)
  if n > max then
    local dropped = redis.call('ZRANGE', key, 0, n - max - 1)
    redis.call('ZREMRANGEBYRANK', key, 0, n - max - 1)
    return dropped
  end
  return {}
end
-- Sorted sets only grow when a member is new, so only then is the bound checked; the TTL is
-- refreshed then too, or when a score crosses a multiple of 16 (a busy list stays alive without
-- paying an EXPIRE on every increment).
local function touched(new_score, inc)
  local n = tonumber(new_score)
  return n == inc or math.floor(n / 16) ~= math.floor((n - inc) / 16)
end
local qi = p.qi
local qtouched = {}
for i = 1, #qi, 4 do
  local ikey, ckey = s.qp .. qi[i] .. ':i', s.qp .. qi[i] .. ':c'
  local hit = false
  if qi[i + 2] > 0 then hit = touched(redis.call('ZINCRBY', ikey, qi[i + 2], qi[i + 1]), qi[i + 2]) end
  if qi[i + 3] > 0 and touched(redis.call('ZINCRBY', ckey, qi[i + 3], qi[i + 1]), qi[i + 3]) then hit = true end
  if hit then qtouched[ikey] = ckey end
end
for ikey, ckey in pairs(qtouched) do
  -- Items dropped from the impression top-N lose their clicks too, so a CTR never sees clicks without impressions.
  local dropped = trim(ikey, s.qm)
  if #dropped > 0 then redis.call('ZREM', ckey, unpack(dropped)) end
  trim(ckey, s.qm)
  redis.call('EXPIRE', ikey, s.qt)
  redis.call('EXPIRE', ckey, s.qt)
end

for pkey, day in pairs(ptouched) do
  trim(pkey, s.pm)
  redis.call('EXPIREAT', pkey, (day + 1 + s.pd) * 86400)
end

local co = p.co
local ctouched = {}
for i = 1, #co, 3 do
  local key = s.cp .. co[i]
  if touched(redis.call('ZINCRBY', key, co[i + 2], co[i + 1]), co[i + 2]) then ctouched[key] = true end
end
for key in pairs(ctouched) do
  trim(key, s.cm)
  redis.call('EXPIRE', key, s.ct)
end

-- Join state: 'u' pseudonym, 't' (served at) then 'k', 'q', 'ch', 'x' meta of the first
-- impression, 'i:<item>' the position an item was shown at, 'c:'/'a:'/'p:<item>'
-- labels (join-state.ts). New joins enter the due and open sets in one ZADD each; a label on an
-- existing join is a single HSET.
local due, open = {}, {}
local ji = p.ji
for i = 1, #ji, 6 do
  local rid, user = ji[i], ji[i + 1]
  local key = s.jp .. rid
  redis.call('HSET', key, 'u', user, unpack(ji[i + 5]))
  if redis.call('HSETNX', key, 't', ji[i + 3]) == 1 then
    redis.call('HSET', key, unpack(ji[i + 4]))
    redis.call('EXPIRE', key, s.jt)
  end
  due[#due + 1] = ji[i + 2]
  due[#due + 1] = rid
  open[#open + 1] = 0
  open[#open + 1] = user .. '|' .. rid
end
local jl = p.jl
for i = 1, #jl, 4 do
  local rid, user = jl[i], jl[i + 1]
  local key = s.jp .. rid
  if redis.call('HSET', key, 'u', user, jl[i + 3], '1') == 2 then
    redis.call('EXPIRE', key, s.jt)
    due[#due + 1] = jl[i + 2]
    due[#due + 1] = rid
    open[#open + 1] = 0
    open[#open + 1] = user .. '|' .. rid
  end
end
for i = 1, #due, 2000 do
  redis.call('ZADD', s.due, 'NX', unpack(due, i, math.min(#due, i + 1999)))
  redis.call('ZADD', s.open, unpack(open, i, math.min(#open, i + 1999)))
end
return { 1 }
`;

/** Deletes the pseudonyms' profiles, open joins and served logs; marks them forgotten. */
export const FORGET = `
local r = cjson.decode(ARGV[1])
for i, p in ipairs(r.p) do
  redis.call('HDEL', r.u[i], p)
  redis.call('ZADD', r.fk, r.exp, p)
  local members = redis.call('ZRANGEBYLEX', r.open, '[' .. p .. '|', '[' .. p .. '|\\255')
  for _, m in ipairs(members) do
    local rid = string.sub(m, string.len(p) + 2)
    redis.call('DEL', r.jp .. rid, r.sp .. rid)
    redis.call('ZREM', r.due, rid)
    redis.call('ZREM', r.open, m)
  end
end
return 1
`;

/** Requests whose join window closed; each is leased (its due time pushed out) while it is emitted. */
export const CLAIM_JOINS = `
local r = cjson.decode(ARGV[1])
local rids = redis.call('ZRANGEBYSCORE', r.due, '-inf', r.now, 'LIMIT', 0, r.limit)
local out = {}
for i, rid in ipairs(rids) do
  redis.call('ZADD', r.due, 'XX', r.now + r.lease, rid)
  out[i] = { rid, redis.call('HGETALL', r.jp .. rid), redis.call('GET', r.sp .. rid) or '' }
end
return out
`;

export const COMPLETE_JOINS = `
local r = cjson.decode(ARGV[1])
for _, rid in ipairs(r.rids) do
  local u = redis.call('HGET', r.jp .. rid, 'u')
  if u then redis.call('ZREM', r.open, u .. '|' .. rid) end
  redis.call('ZREM', r.due, rid)
  redis.call('DEL', r.jp .. rid, r.sp .. rid)
end
return 1
`;

/** One HSCAN step over a profile hash, dropping profiles whose last event is older than the cutoff. */
export const EVICT_PROFILES = `
local res = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', 200)
local cutoff = tonumber(ARGV[2])
local dropped = 0
local kv = res[2]
for i = 1, #kv, 2 do
  if struct.unpack('<I4', kv[i + 1], 9) < cutoff then
    redis.call('HDEL', KEYS[1], kv[i])
    dropped = dropped + 1
  end
end
return { res[1], dropped }
`;

/**
 * The ranker's read: profile, recent item ids, per-item windows summed here (12 numbers per
 * item: last hour, last 24 h, last 7 days × impressions, clicks, carts, purchases; the same
 * arithmetic as item-stats.ts windowTotals), query-item scores and co-occurrence sums over the
 * user's most recent items. One round trip.
 */
export const READ_FOR_RANKING = `${RECENT_REFS}
local r = cjson.decode(ARGV[1])
local blob = redis.call('HGET', r.p[1], r.p[2])
local recent = {}
if blob then
  local refs = recent_refs(blob)
  if #refs > 0 then recent = redis.call('HMGET', r.rk, unpack(refs)) end
end
local letters = { i = 1, c = 2, a = 3, p = 4 }
local windows = {}
for i, id in ipairs(r.ids) do
  local out = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
  local all = redis.call('HGETALL', r.ip .. id)
  for k = 1, #all, 2 do
    local kind, num, m = string.match(all[k], '^([hd])(%d+)(%a)$')
    if kind then
      local n, count, slot = tonumber(num), tonumber(all[k + 1]), letters[m]
      if kind == 'h' then
        if n <= r.hour then
          if n == r.hour then out[slot] = out[slot] + count end
          if n > r.hour - 24 then out[4 + slot] = out[4 + slot] + count end
          if math.floor(n / 24) > r.day - 7 then out[8 + slot] = out[8 + slot] + count end
        end
      elseif n <= r.day and n > r.day - 7 then
        out[8 + slot] = out[8 + slot] + count
      end
    end
  end
  windows[i] = out
end
local qi, qc = {}, {}
if r.q and #r.ids > 0 then
  qi = redis.call('ZMSCORE', r.q[1], unpack(r.ids))
  qc = redis.call('ZMSCORE', r.q[2], unpack(r.ids))
end
local co = {}
for i = 1, #r.ids do co[i] = 0 end
local used, seeds = {}, 0
for _, seed in ipairs(recent) do
  if seed and not used[seed] and seeds < r.seeds and #r.ids > 0 then
    used[seed] = true
    seeds = seeds + 1
    local scores = redis.call('ZMSCORE', r.cp .. seed, unpack(r.ids))
    for i, sc in ipairs(scores) do
      if sc then co[i] = co[i] + tonumber(sc) end
    end
  end
end
for i = 1, #co do co[i] = tostring(co[i]) end
-- Candidate sources (Recommend): each recent seed's top neighbours, and the popular items of the
-- last days summed with their weights (r.pop: key, weight pairs), best first, ties by id.
local nb, pop = {}, {}
if r.cand then
  local taken, n = {}, 0
  local seeds = recent
  if r.cand.ids then seeds = r.cand.ids end
  for _, seed in ipairs(seeds) do
    if n >= r.cand.seeds then break end
    if seed and not taken[seed] then
      taken[seed] = true
      n = n + 1
      local flat = redis.call('ZREVRANGE', r.cp .. seed, 0, r.cand.per - 1, 'WITHSCORES')
      nb[#nb + 1] = { seed, flat }
    end
  end
  if r.cand.popular > 0 then
    local totals, ids = {}, {}
    for i = 1, #r.pop, 2 do
      local flat = redis.call('ZRANGE', r.pop[i], 0, -1, 'WITHSCORES')
      for k = 1, #flat, 2 do
        local id = flat[k]
        if not totals[id] then ids[#ids + 1] = id; totals[id] = 0 end
        totals[id] = totals[id] + r.pop[i + 1] * tonumber(flat[k + 1])
      end
    end
    table.sort(ids, function(a, b)
      if totals[a] ~= totals[b] then return totals[a] > totals[b] end
      return a < b
    end)
    for k = 1, math.min(#ids, r.cand.popular) do
      pop[#pop + 1] = ids[k]
      pop[#pop + 1] = tostring(totals[ids[k]])
    end
  end
end
local seen = {}
if r.seen and blob then
  local refs = seen_refs(blob)
  if #refs > 0 then seen = redis.call('HMGET', r.rk, unpack(refs)) end
end
return { blob or '', recent, windows, qi, qc, co, nb, pop, seen }
`;
