-- Redis connections from the per-worker cosocket keepalive pool, with short timeouts. Loads
-- resty.redis (OpenResty) or nginx.redis (Debian's lua-nginx-redis), whichever exists.
local gateway = require "kservices.gateway"

local okDriver, driver = pcall(require, "resty.redis")
if not okDriver then
    driver = require "nginx.redis"
end
if rawget(driver, "evalsha") == nil and driver.add_commands then
    -- Older drivers only generate methods for a fixed command list.
    local missing = {}
    for _, cmd in ipairs({ "evalsha", "exists", "type", "ping", "publish", "select", "auth" }) do
        if rawget(driver, cmd) == nil then
            missing[#missing + 1] = cmd
        end
    end
    if #missing > 0 then
        driver.add_commands(unpack(missing))
    end
end

local _M = { driverName = okDriver and "resty.redis" or "nginx.redis" }

-- rawget: nginx.redis generates a Redis command method for any missing name, so `red.set_timeouts` is never nil
-- there; calling it sent a SET_TIMEOUTS command and left nginx's 60 s cosocket timeouts in force.
local hasSetTimeouts = rawget(driver, "set_timeouts") ~= nil

-- A new connection: AUTH (with an ACL user when a username is set), then SELECT.
local function prepare(red)
    local ok, err = true, nil
    if gateway.redisUsername then
        ok, err = red:auth(gateway.redisUsername, gateway.redisPassword)
    elseif gateway.redisPassword then
        ok, err = red:auth(gateway.redisPassword)
    end
    if ok and gateway.redisDb ~= 0 then
        ok, err = red:select(gateway.redisDb)
    end
    return ok, err
end

function _M.connect()
    local red, err = driver:new()
    if not red then
        return nil, err
    end
    local timeout = gateway.redisTimeoutMs
    if hasSetTimeouts then
        red:set_timeouts(timeout, timeout, timeout)
    else
        red:set_timeout(timeout)
    end
    local pool = "kservices:" .. gateway.redisHost .. ":" .. gateway.redisPort .. ":" .. gateway.redisDb
    local ok
    ok, err = red:connect(gateway.redisHost, gateway.redisPort, { pool = pool })
    if not ok then
        return nil, err
    end
    if red:get_reused_times() == 0 then
        -- Only a new one: a pooled connection keeps its AUTH and SELECT.
        ok, err = prepare(red)
        if not ok then
            red:close()
            return nil, err
        end
    end
    return red
end

function _M.release(red)
    local ok = red:set_keepalive(gateway.redisIdleMs, gateway.redisPoolSize)
    if not ok then
        red:close()
    end
end

return _M
