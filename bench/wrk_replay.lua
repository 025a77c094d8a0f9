-- wrk script: replay pre-generated signed WeChat deliveries, each at most once per pass.
--
-- BENCH_WRK_REQUESTS: file with one delivery a line, "path<TAB>body"; thread t of n
--                     takes lines t, t+n, t+2n ... (so threads never send the same one)
-- BENCH_WRK_THREADS:  n (same as wrk -t)
-- BENCH_WRK_RESULT:   where done() writes its figures and a sample of response bodies
-- BENCH_WRK_SAMPLE_EVERY: keep every k-th response body (besides each thread's first few)
--
-- wrk's latency is from writing a request to reading its whole response (not the connect).
--
-- A thread that runs out of deliveries starts again from its first (counted as "reused":
-- the server then answers from its duplicate cache, so a run with reuse is flagged).

local threads = {}
local nthreads = 0

function setup(thread)
   thread:set("tid", nthreads)
   nthreads = nthreads + 1
   table.insert(threads, thread)
end

function init(args)
   local count = tonumber(os.getenv("BENCH_WRK_THREADS"))
   local i = 0
   reqs = {}
   for line in io.lines(os.getenv("BENCH_WRK_REQUESTS")) do
      if i % count == tid then
         local tab = line:find("\t", 1, true)
         reqs[#reqs + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
      end
      i = i + 1
   end
   pos = 0
   sent = 0
   reused = 0
   responses = 0
   non200 = 0
   unsealed = 0
   samples = ""
   nsamples = 0
   sample_every = tonumber(os.getenv("BENCH_WRK_SAMPLE_EVERY")) or 500
end

function request()
   sent = sent + 1
   if sent > #reqs then
      reused = reused + 1
   end
   pos = pos + 1
   if pos > #reqs then
      pos = 1
   end
   return reqs[pos]
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      non200 = non200 + 1
   elseif not body:find("<Encrypt>", 1, true) then
      unsealed = unsealed + 1  -- a 200 that is not an encrypted reply ("success", or clear text)
   end
   if status == 200 and nsamples < 200 and (responses <= 10 or responses % sample_every == 0) then
      samples = samples .. string.format("%d\n", #body) .. body
      nsamples = nsamples + 1
   end
end

function done(summary, latency, requests)
   local out = assert(io.open(os.getenv("BENCH_WRK_RESULT"), "wb"))
   local totals = {responses = 0, non200 = 0, unsealed = 0, reused = 0}
   local blobs = {}
   for _, thread in ipairs(threads) do
      for key, value in pairs(totals) do
         totals[key] = value + (thread:get(key) or 0)
      end
      blobs[#blobs + 1] = thread:get("samples") or ""
   end
   out:write(string.format("requests %d\n", summary.requests))
   out:write(string.format("duration_us %d\n", summary.duration))
   out:write(string.format("err_connect %d\n", summary.errors.connect))
   out:write(string.format("err_read %d\n", summary.errors.read))
   out:write(string.format("err_write %d\n", summary.errors.write))
   out:write(string.format("err_status %d\n", summary.errors.status))
   out:write(string.format("err_timeout %d\n", summary.errors.timeout))
   -- the latency distribution as 1000 quantiles (percentiles 0.05, 0.15 ... 99.95), in us,
   -- so that several runs can be merged
   local grid = {}
   for i = 0, 999 do
      grid[#grid + 1] = string.format("%d", latency:percentile((i + 0.5) / 10))
   end
   out:write("grid_us " .. table.concat(grid, " ") .. "\n")
   out:write(string.format("lat_max_us %d\n", latency.max))
   out:write(string.format("lat_mean_us %f\n", latency.mean))
   for key, value in pairs(totals) do
      out:write(string.format("%s %d\n", key, value))
   end
   out:write("samples\n")
   out:write(table.concat(blobs))
   out:close()
end
