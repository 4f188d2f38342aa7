-- wrk script for bench/intake.py: one kind of request, a cap of requests per thread, and a JSON line of
-- results on stdout at the end. Configured by environment variables (wrk passes no options to scripts
-- except after "--"):
--   BENCH_MODE    get | ticket | batch   (ticket: a ticket with a fresh id per request; batch: 100)
--   BENCH_PATH    the path to request
--   BENCH_TOKEN   a bearer token, or empty for none
--   BENCH_CAP     requests per thread; the thread stops once it has that many answers
--   BENCH_RUN     a number that makes this run's ticket ids differ from every other run's
local mode = os.getenv("BENCH_MODE") or "get"
local path = os.getenv("BENCH_PATH") or "/"
local token = os.getenv("BENCH_TOKEN") or ""
local cap = tonumber(os.getenv("BENCH_CAP") or "1000000")
local run = tonumber(os.getenv("BENCH_RUN") or "0")

local threads = {}
local counter = 1

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local headers = { ["Content-Type"] = "application/json" }
if token ~= "" then headers["Authorization"] = "Bearer " .. token end

sent, answered, ok, failed, first_error = 0, 0, 0, 0, ""

local function ticket(n)
  local id = string.format("%08x-%04x-4000-8000-%012x", run, thread_id, n)
  local village = string.format("AG001-%02d", n % 20 + 1)
  local categories = (n % 3 ~= 0) and '["no_device","age_fear_low_confidence"]' or '["account_identity_problem"]'
  local service = (n % 2 == 1) and "vneid" or "public_service_portal"
  return string.format(
    '{"id":"%s","village":"%s","categories":%s,"service":"%s",' ..
    '"description":"Cụ bà chưa có điện thoại thông minh để kích hoạt định danh điện tử mức 2",' ..
    '"people_affected":%d,"household_ref":"hh-%05d","consent":true,"observed_at":"2026-03-01T09:30:00+07:00"}',
    id, village, categories, service, 1 + n % 3, n % 100000)
end

local fixed = nil

function request()
  sent = sent + 1
  if mode == "get" then
    if fixed == nil then fixed = wrk.format("GET", path, headers) end
    return fixed
  end
  if mode == "batch" then
    local items = {}
    for i = 1, 100 do items[i] = ticket(sent * 100 + i) end
    return wrk.format("POST", path, headers, '{"tickets":[' .. table.concat(items, ",") .. "]}")
  end
  return wrk.format("POST", path, headers, ticket(sent))
end

function response(status, _, body)
  answered = answered + 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    failed = failed + 1
    if first_error == "" then
      first_error = (tostring(status) .. " " .. string.sub(body or "", 1, 200)):gsub('[^%w %-_:.,/]', "?")
    end
  end
  if answered >= cap then wrk.thread:stop() end
end

function done(summary, latency, _)
  local s, a, o, f, e = 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    a = a + t:get("answered")
    o = o + t:get("ok")
    f = f + t:get("failed")
    if e == "" then e = t:get("first_error") end
  end
  local errs = summary.errors
  io.write(string.format(
    '\nBENCH_RESULT {"sent":%d,"answered":%d,"ok":%d,"failed":%d,"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d,"socket_errors":%d,"timeouts":%d,"first_error":"%s"}\n',
    s, a, o, f, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errs.connect + errs.read + errs.write, errs.timeout, e))
end
