--[[
  Writes one host if it still holds what the caller read (compare-and-set), then bumps the pool's
  version and announces it, only when the stored value actually changes.

  KEYS[1] hosts hash     fleetgate:{pool}:hosts
  KEYS[2] version        fleetgate:{pool}:version
  ARGV[1] channel        fleetgate:{pool}:changed
  ARGV[2] host id
  ARGV[3] expected JSON  the value the caller read; "" means "absent"
  ARGV[4] new JSON

  Returns
    >0  the new version (written)
     0  unchanged (the stored value already equals the new one)
    -1  conflict (the stored value is no longer the expected one: read again)
    -2  invalid arguments
]]
if #ARGV ~= 4 or ARGV[2] == '' or ARGV[4] == '' then
  return -2
end
local current = redis.call('HGET', KEYS[1], ARGV[2])
if current == ARGV[4] then
  return 0
end
if (current or '') ~= ARGV[3] then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], version)
return version
