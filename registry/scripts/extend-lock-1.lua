--[[
  Renews the scaler leader lock, but only for its holder (compare-and-extend): a scaler whose lease
  already expired and was taken by another must not extend the new holder's lease.

  KEYS[1] lock key      fleetgate:{pool}:leader
  ARGV[1] token         the holder's token (hostname:pid:random)
  ARGV[2] ttl           the new lease, in milliseconds

  Returns
    1  renewed (the caller still holds the lock)
    0  not renewed (the lock is gone or held by someone else)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
