--[[
  Releases the scaler leader lock, only for its holder (compare-and-delete), so a follower can take
  over at once instead of waiting for the lease to expire.

  KEYS[1] lock key      fleetgate:{pool}:leader
  ARGV[1] token         the holder's token

  Returns
    1  released
    0  not released (the lock is gone or held by someone else)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
