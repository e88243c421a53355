-- The traffic mix of bench/bench_mixed.py, for wrk (LuaJIT).
--
--   MIXED_DATA=data.lua MIXED_RESULT=out.json MIXED_MODE=portal|bare \
--     wrk --threads 5 --connections 50 --script bench/mixed.lua http://127.0.0.1:PORT
--
-- Each wrk thread is the users of one organisation (its OWNER's token): thread n takes
-- organisation n of the data file bench_mixed.py writes (ids of invoices to read and to pay,
-- cursors, customers and products for the documents it creates, search words). Every
-- request carries an X-Request-ID that the portal echoes, so that response() knows which
-- request it answers: its kind, its latency (clock_gettime through LuaJIT's FFI), and for a
-- failure the request itself. done() gathers the threads' tables into MIXED_RESULT (JSON).
-- In ``bare`` mode every request is GET /bare/products (bench/bare_app.py), through the same
-- script, so that the client's own cost is the same on both sides.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mixed_timespec;
int clock_gettime(int clk_id, mixed_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("mixed_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

-- JSON, for the failed requests (in the threads) and for MIXED_RESULT (in done()).

local function json_string(value)
  return '"' .. string.gsub(value, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function json(value)
  local kind = type(value)
  if kind == "number" then
    return string.format("%.17g", value)
  elseif kind == "string" then
    return json_string(value)
  elseif kind == "boolean" then
    return tostring(value)
  elseif kind == "table" then
    if #value > 0 or next(value) == nil then
      local parts = {}
      for i = 1, #value do parts[i] = json(value[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, json_string(tostring(key)) .. ":" .. json(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

local SAMPLES = 10 -- failed requests kept per thread, with their answer

-- Main state: one organisation per thread, and the threads for done().
local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("thread_number", created)
  table.insert(threads, thread)
end

-- Thread state. Globals are what done() reads through thread:get(), which copies only flat
-- tables safely (a table of tables crashes wrk 4.1): so one latency array per kind
-- (``latency_<kind>``, in microseconds) and each failed request as a JSON string.
counts, failures, statuses, samples = {}, {}, {}, {}
unmatched = 0

local data, org, mode, seq, kinds, total_weight
local pending = {}
local get_headers, post_headers

local function pick(list)
  return list[math.random(#list)]
end

local function lines()
  return '[{"productId":"' .. pick(org.products) .. '","quantity":"' .. math.random(1, 12)
    .. '"},{"productId":"' .. pick(org.products) .. '","quantity":"1"},'
    .. '{"description":"Mano de obra","quantity":"2","unitPrice":"350.00","taxPercent":"16"}]'
end

local build = {
  list = function()
    local roll = math.random()
    local path = "/api/v1/invoices?limit=50"
    if roll < 0.2 then
      path = path .. "&status=" .. pick(data.statuses)
    elseif roll < 0.4 then
      path = path .. "&cursor=" .. pick(org.cursors)
    end
    return "GET", path
  end,
  read = function()
    return "GET", "/api/v1/invoices/" .. pick(org.invoices)
  end,
  search = function()
    if math.random() < 0.5 then
      return "GET", "/api/v1/products?limit=50&q=" .. pick(data.words)
    end
    return "GET", string.format("/api/v1/products?limit=50&q=SKU-%06d", math.random(0, org.product_count - 1))
  end,
  dashboard = function()
    return "GET", "/api/v1/dashboard"
  end,
  quote = function()
    return "POST", "/api/v1/quotes",
      '{"customerId":"' .. pick(org.customers) .. '","notes":"Carga mixta","lines":' .. lines() .. "}"
  end,
  invoice = function()
    return "POST", "/api/v1/invoices",
      '{"customerId":"' .. pick(org.customers) .. '","invoiceDate":"' .. data.today
      .. '","lines":' .. lines() .. "}"
  end,
  payment = function()
    return "POST", "/api/v1/invoices/" .. pick(org.payable) .. "/payments",
      '{"amount":"' .. data.payment_amount .. '","paidOn":"' .. data.today
      .. '","method":"TRANSFER","reference":"carga mixta"}'
  end,
  bare = function()
    return "GET", "/bare/products"
  end,
}

function init(args)
  data = dofile(os.getenv("MIXED_DATA"))
  mode = os.getenv("MIXED_MODE") or "portal"
  org = data.organizations[(thread_number - 1) % #data.organizations + 1]
  math.randomseed(data.seed + thread_number)
  seq = 0
  kinds, total_weight = {}, 0
  if mode == "bare" then
    kinds = { { "bare", 1 } }
    total_weight = 1
  else
    for _, pair in ipairs(data.mix) do
      table.insert(kinds, pair)
      total_weight = total_weight + pair[2]
    end
  end
  local bearer = "Bearer " .. org.token
  get_headers = { ["Authorization"] = bearer, ["Accept"] = "application/json" }
  post_headers = {
    ["Authorization"] = bearer, ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
  }
end

local function pick_kind()
  local roll = math.random() * total_weight
  for _, pair in ipairs(kinds) do
    roll = roll - pair[2]
    if roll < 0 then
      return pair[1]
    end
  end
  return kinds[#kinds][1]
end

function request()
  seq = seq + 1
  local kind = pick_kind()
  local method, path, body = build[kind]()
  local id = string.format("mixed-%d-%09d", thread_number, seq)
  local headers = body and post_headers or get_headers
  headers["X-Request-ID"] = id
  pending[id] = { kind, now_us(), method, path, body }
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  local finished = now_us()
  local id = headers["X-Request-ID"] or headers["x-request-id"]
  local entry = id and pending[id]
  local kind = "unmatched"
  if entry then
    pending[id] = nil
    kind = entry[1]
    local own = _G["latency_" .. kind]
    if not own then
      own = {}
      _G["latency_" .. kind] = own
    end
    own[#own + 1] = finished - entry[2]
  elseif mode == "bare" then
    kind = "bare" -- the bare app echoes no request id
  else
    unmatched = unmatched + 1
  end
  counts[kind] = (counts[kind] or 0) + 1
  if status < 200 or status > 299 then
    failures[kind] = (failures[kind] or 0) + 1
    local key = kind .. " " .. status
    statuses[key] = (statuses[key] or 0) + 1
    if #samples < SAMPLES then
      table.insert(samples, json({
        kind = kind,
        status = status,
        method = entry and entry[3] or "?",
        path = entry and entry[4] or "?",
        request_body = entry and entry[5] or "",
        body = string.sub(body or "", 1, 600),
      }))
    end
  end
end

function done(summary, latency, requests)
  local per_thread = {}
  for _, thread in ipairs(threads) do
    local latencies = {}
    for kind in pairs(build) do
      latencies[kind] = thread:get("latency_" .. kind) or {}
    end
    table.insert(per_thread, {
      counts = thread:get("counts"),
      failures = thread:get("failures"),
      statuses = thread:get("statuses"),
      latencies = latencies,
      samples = thread:get("samples"),
      unmatched = thread:get("unmatched"),
    })
  end
  local e = summary.errors
  local out = {
    requests = summary.requests,
    duration_us = summary.duration,
    connect = e.connect, read = e.read, write = e.write, timeout = e.timeout, status = e.status,
    p50 = latency:percentile(50), p95 = latency:percentile(95), p99 = latency:percentile(99),
    max = latency.max,
    threads = per_thread,
  }
  local f = assert(io.open(os.getenv("MIXED_RESULT"), "w"))
  f:write(json(out))
  f:close()
end
