-- Shared by the wrk scripts: load prepared requests (one per line: method, path, client
-- address, bearer token, content type, If-None-Match, body, tab-separated, "-" for none) and
-- report the run
-- as one JSON line.
local M = {}

function M.load(path)
  local prepared = {}
  for line in io.lines(path) do
    local method, target, address, token, ctype, etag, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    -- uvicorn trusts X-Forwarded-For from loopback: each person gets their own address, as
    -- behind a real load balancer, so per-address limits see many clients, not one.
    if address ~= "-" then headers["X-Forwarded-For"] = address end
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    if ctype ~= "-" then headers["Content-Type"] = ctype end
    if etag ~= "-" then headers["If-None-Match"] = etag end
    if body == "-" then body = nil end
    -- Formatted once here, so a request costs wrk a table lookup, not string building.
    prepared[#prepared + 1] = wrk.format(method, target, headers, body)
  end
  assert(#prepared > 0, "no requests in " .. path)
  return prepared
end

function M.report(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end

return M
