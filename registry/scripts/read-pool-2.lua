--[[
  Reads a pool's hosts and its version in one atomic step (read-only).

  KEYS[1] hosts hash     fleetgate:{pool}:hosts
  KEYS[2] version        fleetgate:{pool}:version

  Returns { version, { id1, json1, id2, json2, ... } }; version 0 for a pool never written.
]]
local version = tonumber(redis.call('GET', KEYS[2]) or '0')
return { version, redis.call('HGETALL', KEYS[1]) }
