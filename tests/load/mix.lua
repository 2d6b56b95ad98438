-- SPDX-License-Identifier: Apache-2.0
-- wrk request mix for scripts/load-test.sh: 70 % GET one config, 10 % list 20 configs,
-- 10 % create, 10 % patch. TOKEN and IDS (comma-separated config ids) come from the
-- environment. Every request is valid, so any non-2xx answer counts as an error.
local token = os.getenv("TOKEN")
local ids = {}
for id in string.gmatch(os.getenv("IDS") or "", "[^,]+") do table.insert(ids, id) end
local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
local counter = 0
prefix = "t"  -- set per thread by setup(); a global, so thread:set reaches it

function setup(thread)
    thread:set("prefix", "t" .. tostring(math.random(1, 1000000000)))
end

function init(args)
    math.randomseed(os.time() + #prefix)
end

function request()
    counter = counter + 1
    local r = math.random(100)
    local id = ids[math.random(#ids)]
    if r <= 70 then
        return wrk.format("GET", "/api/v1/scheduler/job-configs/" .. id, headers)
    elseif r <= 80 then
        return wrk.format("GET", "/api/v1/scheduler/job-configs?limit=20", headers)
    elseif r <= 90 then
        return wrk.format("POST", "/api/v1/scheduler/job-configs", headers, string.format(
            '{"name":"load-%s-%d","operation":"database_backup","run_at":"0 1 * * *",' ..
            '"database_backup_params":{}}', prefix, counter))
    else
        return wrk.format("PATCH", "/api/v1/scheduler/job-configs/" .. id, headers,
            string.format('{"description":"load %d"}', counter))
    end
end
