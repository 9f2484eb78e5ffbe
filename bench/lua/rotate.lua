-- Closed-loop load: every connection sends its next request as soon as the last one is
-- answered, cycling through the prepared requests (many users, many paths).
-- Arguments: the requests file.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local requests = require("requests")

local thread_count = 0
local prepared, position

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  prepared = requests.load(args[1])
  -- Threads start far apart, so they do not send the same user's request at once.
  position = (thread_index or 0) * math.floor(#prepared / 2)
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, _)
  requests.report(summary, latency)
end
