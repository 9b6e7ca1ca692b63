-- Rate-limit rules: defaults below, overridden per route group by the admin's JSON document in
-- Redis (ksysadmin:settings:rate-limits), polled by a per-worker timer every second.
local gateway = require "kservices.gateway"
local json = require "kservices.json"
local redisConn = require "kservices.redisConn"

local _M = { settingsKey = "ksysadmin:settings:rate-limits", pollSeconds = 1 }

-- scope "ip": the client address; scope "user": the user of a live session, else the client address.
_M.defaults = {
    { routeGroup = "auth-login", scope = "ip", limit = 10, windowSeconds = 60, failMode = "closed", enabled = true },
    { routeGroup = "auth-register", scope = "ip", limit = 5, windowSeconds = 300, failMode = "closed", enabled = true },
    { routeGroup = "password-reset", scope = "ip", limit = 5, windowSeconds = 300, failMode = "closed", enabled = true },
    { routeGroup = "auth", scope = "user", limit = 120, windowSeconds = 60, failMode = "open", enabled = true },
    { routeGroup = "payment-create", scope = "user", limit = 20, windowSeconds = 60, failMode = "open", enabled = true },
    { routeGroup = "payment", scope = "user", limit = 120, windowSeconds = 60, failMode = "open", enabled = true },
    { routeGroup = "payment-callback", scope = "ip", limit = 1200, windowSeconds = 60, failMode = "open", enabled = true },
    { routeGroup = "admin-login", scope = "ip", limit = 10, windowSeconds = 60, failMode = "closed", enabled = true },
    { routeGroup = "admin", scope = "user", limit = 300, windowSeconds = 60, failMode = "open", enabled = true },
    { routeGroup = "default", scope = "ip", limit = 300, windowSeconds = 60, failMode = "open", enabled = true },
}

local active = {}
local lastRaw = false
local lastVersion = nil

local function normalize(rule, scale)
    if type(rule) ~= "table" or type(rule.routeGroup) ~= "string" or not rule.routeGroup:match("^[%w_-]+$") then
        return nil, "routeGroup"
    end
    local limit, window = tonumber(rule.limit), tonumber(rule.windowSeconds)
    if not limit or limit < 0 or limit ~= math.floor(limit) then
        return nil, "limit"
    end
    if not window or window < 1 or window > 86400 or window ~= math.floor(window) then
        return nil, "windowSeconds"
    end
    local scope = rule.scope
    if scope ~= "ip" and scope ~= "user" then
        return nil, "scope"
    end
    local failMode = rule.failMode
    if failMode ~= "open" and failMode ~= "closed" then
        return nil, "failMode"
    end
    local enabled = rule.enabled
    if type(enabled) ~= "boolean" then
        enabled = true
    end
    local scaled = math.floor(limit * scale)
    return {
        routeGroup = rule.routeGroup,
        scope = scope,
        limit = scaled,
        windowSeconds = window,
        windowMs = window * 1000,
        limitStr = tostring(scaled),
        windowMsStr = tostring(window * 1000),
        failMode = failMode,
        enabled = enabled,
        policyHeader = '"' .. rule.routeGroup .. '";q=' .. scaled .. ";w=" .. window,
        quotaPrefix = '"' .. rule.routeGroup .. '";',
        blockPrefix = "block:" .. rule.routeGroup .. ":" .. scaled .. ":" .. window .. ":",
    }
end

local function build(overrides)
    local rules = {}
    for _, rule in ipairs(_M.defaults) do
        rules[rule.routeGroup] = normalize(rule, gateway.limitScale)
    end
    for _, rule in ipairs(overrides or {}) do
        local normalized, bad = normalize(rule, 1)
        if normalized then
            rules[normalized.routeGroup] = normalized
        else
            ngx.log(ngx.WARN, "rate limit: ignoring rule with invalid ", bad, " in ", _M.settingsKey)
        end
    end
    return rules
end

active = build(nil)

function _M.get(routeGroup)
    return active[routeGroup] or active["default"]
end

-- Applies the raw settings document (nil when the key is absent); returns true when rules changed.
function _M.apply(raw)
    if raw == lastRaw then
        return false
    end
    if raw == nil then
        active, lastRaw, lastVersion = build(nil), nil, nil
        ngx.log(ngx.NOTICE, "rate limit: ", _M.settingsKey, " absent, using default rules")
        return true
    end
    local document, err = json.decode(raw)
    if type(document) ~= "table" or type(document.rules) ~= "table" then
        ngx.log(ngx.ERR, "rate limit: invalid ", _M.settingsKey, " (", err or "no rules list", "), keeping current rules")
        lastRaw = raw
        return false
    end
    active, lastRaw, lastVersion = build(document.rules), raw, document.version
    ngx.log(ngx.NOTICE, "rate limit: rules version ", tostring(lastVersion), " loaded")
    return true
end

function _M.version()
    return lastVersion
end

local function refresh()
    local red, err = redisConn.connect()
    if not red then
        return nil, err
    end
    local raw
    raw, err = red:get(_M.settingsKey)
    if err then
        red:close()
        return nil, err
    end
    redisConn.release(red)
    if raw == ngx.null then
        raw = nil
    end
    _M.apply(raw)
    return true
end

local function tick(premature)
    if premature then
        return
    end
    local ok, err = refresh()
    if not ok then
        -- Keep the last known rules; the limiter logs Redis outages itself.
        ngx.log(ngx.DEBUG, "rate limit: rules refresh failed: ", err)
    end
end

function _M.startWorker()
    ngx.timer.at(0, tick)
    local ok, err = ngx.timer.every(_M.pollSeconds, tick)
    if not ok then
        ngx.log(ngx.ERR, "rate limit: cannot start the rules timer: ", err)
    end
end

return _M
