-- One rate-limit decision, atomic on the Redis server: every limit of a rule refilled from Redis's own clock,
-- checked, and taken from (or given back to) together. Greedy refill, like Bucket4j's local buckets.
--
-- KEYS[1]  the bucket of one rule and key
-- ARGV[1]  n >= 1 to take up to n tokens, as n decisions in a row would (the store sends the decisions that
--          waited on one key together), or -1 to give one back (a refund; never beyond capacity)
-- ARGV[2+3i], ARGV[3+3i], ARGV[4+3i]  capacity, refill and period (microseconds) of limit i
--
-- The value is "<last refill, microseconds> <tokens of limit 1> <tokens of limit 2> ...". It expires when the
-- bucket would be full again, and is deleted when it is full, so a missing key is a full bucket.
--
-- Returns { tokens granted (0 to n: every limit held that many whole tokens), nanos until a token (0 when all n
--           were granted), nanos until full,
--           then per limit: tokens remaining, nanos until its next token (0 when full) }.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local take = tonumber(ARGV[1])
local limits = (#ARGV - 1) / 3
local state = redis.call('GET', KEYS[1])
if not state and take < 0 then
	return { 1, 0, 0 } -- a refund to a full bucket changes nothing
end
local tokens = {}
local elapsed = 0
if state then
	local fields = string.gmatch(state, '%S+')
	local last = tonumber(fields())
	elapsed = math.max(0, now - last) -- a clock that went back (a failover) refills nothing, never takes
	for i = 1, limits do
		tokens[i] = tonumber(fields())
	end
end
-- A token is there when at least 1 - EPSILON is: the sum of many small refills may fall short of a whole token
-- by a rounding error, never by more.
local EPSILON = 1e-9
local granted = take
for i = 1, limits do
	local capacity = tonumber(ARGV[3 * i - 1])
	local refill = tonumber(ARGV[3 * i])
	local period = tonumber(ARGV[3 * i + 1])
	local current = tokens[i]
	if current == nil then
		current = capacity
	else
		current = math.min(capacity, current + elapsed * refill / period)
	end
	tokens[i] = current
	if take > 0 then
		granted = math.min(granted, math.max(0, math.floor(current + EPSILON)))
	end
end
local wait = 0
if take > 0 and granted < take then
	for i = 1, limits do
		local left = tokens[i] - granted
		if left < 1 - EPSILON then
			wait = math.max(wait, math.ceil((1 - left) * tonumber(ARGV[3 * i + 1]) / tonumber(ARGV[3 * i])))
		end
	end
end
local answer = { (take > 0) and granted or 1, wait * 1000, 0 }
local full = 0
local value = { string.format('%.0f', now) }
for i = 1, limits do
	local capacity = tonumber(ARGV[3 * i - 1])
	local refill = tonumber(ARGV[3 * i])
	local period = tonumber(ARGV[3 * i + 1])
	local current = tokens[i]
	if take < 0 then
		current = math.min(capacity, current + 1)
	else
		current = current - granted
	end
	local whole = math.max(0, math.floor(current + EPSILON))
	local next = 0
	if whole < capacity then
		next = math.ceil((whole + 1 - current) * period / refill)
	end
	full = math.max(full, math.ceil((capacity - current) * period / refill))
	answer[4 + 2 * (i - 1)] = whole
	answer[5 + 2 * (i - 1)] = next * 1000
	value[i + 1] = string.format('%.17g', current)
end
answer[3] = full * 1000
if full <= 0 then
	redis.call('DEL', KEYS[1])
elseif take > 0 and granted == 0 and state then
	-- a rejection changes no tokens: the stored value still holds, and so does its expiry
else
	redis.call('SET', KEYS[1], table.concat(value, ' '), 'PX', math.ceil(full / 1000))
end
return answer
