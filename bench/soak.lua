-- wrk script of the soak test: cycles through the pages in SOAK_PATHS (comma-separated) and
-- counts answers per second and status, so that the outage window can be told apart afterwards.
-- A 503 whose body lacks the Vietnamese outage text is counted under "<status>x".
local paths = {}
for p in string.gmatch(os.getenv("SOAK_PATHS") or "/", "[^,]+") do
  paths[#paths + 1] = p
end
local threads = {}
local OUTAGE_TEXT = "Hệ thống tạm gián đoạn"

setup = function(thread)
  threads[#threads + 1] = thread
  thread:set("offset", #threads)
end

init = function(args)
  counts = {}
  position = offset or 1
end

request = function()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

response = function(status, headers, body)
  local key = tostring(status)
  if status == 503 and not string.find(body or "", OUTAGE_TEXT, 1, true) then
    key = key .. "x"
  end
  key = os.time() .. ":" .. key
  counts[key] = (counts[key] or 0) + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  local total, parts = {}, {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do
      total[key] = (total[key] or 0) + n
    end
  end
  for key, n in pairs(total) do
    parts[#parts + 1] = string.format('"%s": %d', key, n)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "max_us": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"by_second": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency.max, e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
