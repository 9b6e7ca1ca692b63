-- Gateway settings rendered into nginx.conf (init_by_lua) and shared by the Lua modules.
local address = require "kservices.address"

local _M = {
    redisHost = "127.0.0.1",
    redisPort = 6379,
    redisDb = 0,
    redisUsername = nil,
    redisPassword = nil,
    redisTimeoutMs = 200,
    redisPoolSize = 64,
    redisIdleMs = 30000,
    trustedProxies = {},
    limitScale = 1,
}

-- Each entry must be a plain IP address, kept in its canonical form (the one hops are compared in); anything
-- else (a CIDR range, a name) stops nginx at start, `nginx -t` included.
local function trustedSet(value)
    local items = {}
    for item in string.gmatch(value or "", "[^,%s]+") do
        local canonical = address.canonical(item)
        if not canonical then
            error("GATEWAY_TRUSTED_PROXIES: '" .. item .. "' is not an IP address (CIDR ranges are not supported)", 0)
        end
        items[canonical] = true
    end
    return items
end

function _M.configure(options)
    _M.redisHost = (options.redisHost ~= nil and options.redisHost ~= "") and options.redisHost or _M.redisHost
    _M.redisPort = tonumber(options.redisPort) or _M.redisPort
    _M.redisDb = tonumber(options.redisDb) or _M.redisDb
    -- AUTH on each new connection when a password is set (with an ACL user when a username is set too).
    _M.redisPassword = (options.redisPassword ~= nil and options.redisPassword ~= "") and options.redisPassword or nil
    _M.redisUsername = (_M.redisPassword and options.redisUsername ~= "") and options.redisUsername or nil
    _M.trustedProxies = trustedSet(options.trustedProxies)
    local scale = tonumber(options.limitScale)
    if scale and scale > 0 then
        _M.limitScale = scale
    end
end

return _M
