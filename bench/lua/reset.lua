-- Password-reset requests for one address, again and again. BENCH_EMAIL is the address; BENCH_CSRF
-- a csrftoken the server issued (sent as cookie and header). Prints a JSON summary line.
local summary_json = dofile(os.getenv("BENCH_LUA_DIR") .. "/summary.lua")
local csrf = os.getenv("BENCH_CSRF")
local body = '{"email": "' .. os.getenv("BENCH_EMAIL") .. '"}'
local headers = {
  ["Content-Type"] = "application/json",
  ["X-CSRFToken"] = csrf,
  ["Cookie"] = "csrftoken=" .. csrf,
}

function request()
  return wrk.format("POST", "/api/auth/password/reset/", headers, body)
end

function done(summary, latency, requests)
  io.write(summary_json(summary, latency), "\n")
end
