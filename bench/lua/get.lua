-- GET with one fixed credential header from the environment (BENCH_HEADER_NAME / BENCH_HEADER_VALUE),
-- e.g. "Cookie: access_token=..." or "Authorization: Bearer ...". Prints a JSON summary line.
local name, value = os.getenv("BENCH_HEADER_NAME"), os.getenv("BENCH_HEADER_VALUE")
if name and name ~= "" then
  wrk.headers[name] = value
end
wrk.headers["Accept"] = "application/json"

local summary_json = dofile(os.getenv("BENCH_LUA_DIR") .. "/summary.lua")

function done(summary, latency, requests)
  io.write(summary_json(summary, latency), "\n")
end
