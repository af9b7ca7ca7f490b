/** Lua shared by the Redis directory and presence scripts. Times are Redis's clock, one for every instance. */
export const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** `live(instance)`: whether it beat within ARGV-given stale ms (`stale` and `instances` set by the caller). */
export const LIVE = `
local function live(instance)
  local score = redis.call('ZSCORE', instances, instance)
  return score and tonumber(score) >= now - stale
end
`;
