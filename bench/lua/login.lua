-- Logins: every wrk thread signs in as its own user, again and again ({"username", "password"} in,
-- a token pair out). BENCH_USERS names a file with one username per line, one per thread;
-- BENCH_PASSWORD is their shared password. Prints a JSON summary line.
local summary_json = dofile(os.getenv("BENCH_LUA_DIR") .. "/summary.lua")

local usernames = {}
for line in io.lines(os.getenv("BENCH_USERS")) do
  usernames[#usernames + 1] = line
end
local password = os.getenv("BENCH_PASSWORD")
local next_user = 0

function setup(thread)
  next_user = next_user + 1
  thread:set("username", usernames[next_user])
end

function request()
  local body = '{"username": "' .. username .. '", "password": "' .. password .. '"}'
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  io.write(summary_json(summary, latency), "\n")
end
