--[[
  Raises a pool's version to at least a floor and announces it. Used when a watcher sees the version
  go backwards (Redis lost its data: restart without persistence, failover to a lagging replica), so
  versions stay monotonic for every watcher.

  KEYS[1] version        fleetgate:{pool}:version
  ARGV[1] channel        fleetgate:{pool}:changed
  ARGV[2] floor          the lowest acceptable version (a positive integer)

  Returns the version after the call (unchanged when it was already at or above the floor); -2 for
  invalid arguments.
]]
local floor = tonumber(ARGV[2])
if #ARGV ~= 2 or not floor or floor < 1 then
  return -2
end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= floor then
  return current
end
redis.call('SET', KEYS[1], floor)
redis.call('PUBLISH', ARGV[1], floor)
return floor
