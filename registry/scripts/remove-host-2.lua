--[[
  Removes one host, then bumps the pool's version and announces it, only when it was there.

  KEYS[1] hosts hash     fleetgate:{pool}:hosts
  KEYS[2] version        fleetgate:{pool}:version
  ARGV[1] channel        fleetgate:{pool}:changed
  ARGV[2] host id

  Returns
    >0  the new version (removed)
     0  the host was not there (nothing changed)
    -2  invalid arguments
]]
if #ARGV ~= 2 or ARGV[2] == '' then
  return -2
end
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then
  return 0
end
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], version)
return version
