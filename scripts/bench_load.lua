-- wrk's script for scripts/bench_load.py: each thread sends its share of a list of requests
-- that the bench writes as a Lua file (its path is the script's argument), in turn: a page
-- asked for again and again with its session cookie, or the parents' answers, each sent
-- once. At the end it prints one line, "BENCH_JSON {...}", that the bench reads: latency
-- percentiles, requests, and the responses by status (and, for redirects, by where to).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  requests = dofile(args[1])
  nthreads = tonumber(args[2])
  sent = 0
  statuses = {}
  done_redirects = 0
  -- Pre-formatted once: wrk.format is not free, and the floor runs at thousands a second.
  formatted = {}
  for i = id, #requests, nthreads do
    local r = requests[i]
    table.insert(formatted, wrk.format(r[1], r[2], r[3], r[4]))
  end
  if #formatted == 0 then
    local r = requests[1]
    table.insert(formatted, wrk.format(r[1], r[2], r[3], r[4]))
  end
end

function request()
  sent = sent + 1
  return formatted[(sent - 1) % #formatted + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local location = headers["Location"] or headers["location"]
  if location and string.find(location, "/done/", 1, true) then
    done_redirects = done_redirects + 1
  end
end

function done(summary, latency, requests_)
  local by_status = {}
  local done_total = 0
  local wrapped = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      by_status[code] = (by_status[code] or 0) + n
    end
    done_total = done_total + thread:get("done_redirects")
    local n, sent_ = #thread:get("formatted"), thread:get("sent")
    if sent_ > n then wrapped = wrapped + (sent_ - n) end
  end
  local parts = {}
  for code, n in pairs(by_status) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "statuses": {%s}, "done_redirects": %d, ' ..
    '"sent_again": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    table.concat(parts, ", "), done_total, wrapped))
end
