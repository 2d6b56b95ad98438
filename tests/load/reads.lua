-- SPDX-License-Identifier: Apache-2.0
-- wrk request mix for scripts/load-test.sh with MIX=tests/load/reads.lua: reads only (90 % GET
-- one config, 10 % list 20), so the data does not grow and schedulerd's RSS must stay flat.
local token = os.getenv("TOKEN")
local ids = {}
for id in string.gmatch(os.getenv("IDS") or "", "[^,]+") do table.insert(ids, id) end
local headers = {["Authorization"] = "Bearer " .. token}

function request()
    if math.random(100) <= 90 then
        return wrk.format("GET", "/api/v1/scheduler/job-configs/" .. ids[math.random(#ids)], headers)
    end
    return wrk.format("GET", "/api/v1/scheduler/job-configs?limit=20", headers)
end
