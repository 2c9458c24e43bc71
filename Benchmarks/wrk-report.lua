-- wrk script for scripts/bench.
--   wrk ... -s Benchmarks/wrk-report.lua URL -- [BODY_FILE]
-- With BODY_FILE: every request is a POST of that file's bytes (Content-Type: application/json).
-- Without: the plain GET wrk would send anyway.
-- After the run, done() prints one line "MMCP-BENCH {json}" with the totals, the error counts and
-- the latency percentiles in microseconds, which scripts/bench parses (wrk's own --latency table
-- is printed above it).

function init(args)
   local path = args[1]
   if path ~= nil and path ~= "" then
      local f = assert(io.open(path, "rb"))
      wrk.method = "POST"
      wrk.body = f:read("*a")
      f:close()
      wrk.headers["Content-Type"] = "application/json"
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local p = {}
   for _, q in ipairs({50, 75, 90, 99, 99.9}) do
      p[#p + 1] = string.format('"%s":%d', tostring(q), latency:percentile(q))
   end
   io.write(string.format(
      'MMCP-BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
      '"status":%d,"timeout":%d,"mean_us":%.1f,"max_us":%d,"percentiles_us":{%s}}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, latency.mean, latency.max, table.concat(p, ",")))
end
