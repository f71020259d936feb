-- Refresh rotation: every wrk thread owns one session and always presents its latest refresh
-- token ({"refresh": ...} in, {"access", "refresh"} out). Run with one connection per thread
-- (-t N -c N), so each thread's requests are sequential, like one client refreshing.
-- BENCH_TOKENS names a file with one refresh token per line, one per thread.
local summary_json = dofile(os.getenv("BENCH_LUA_DIR") .. "/summary.lua")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local next_token = 0

function setup(thread)
  next_token = next_token + 1
  thread:set("token", tokens[next_token])
end

function request()
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, '{"refresh": "' .. token .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    token = string.match(body, '"refresh"%s*:%s*"([^"]+)"') or token
  end
end

function done(summary, latency, requests)
  io.write(summary_json(summary, latency), "\n")
end
