-- Open-loop load at a constant rate (the way wrk2 does it): requests are sent on a fixed
-- schedule whatever the latency, as long as a connection is free.
-- Arguments: the requests file, the rate per thread (requests per second).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local requests = require("requests")
local ffi = require("ffi")

ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local prepared, position, interval_ms, next_at

function init(args)
  prepared = requests.load(args[1])
  position = 0
  interval_ms = 1000 / tonumber(args[2])
end

-- wrk asks before every request how long to wait: until the next slot of the schedule.
function delay()
  local now = now_ms()
  next_at = next_at or now
  local slot = next_at
  next_at = slot + interval_ms
  return math.max(0, math.floor(slot - now))
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, _)
  requests.report(summary, latency)
end
