-- Rate-limit rules: the built-in defaults (rateLimitDefaults.json beside this file, which the admin server reads
-- too), overridden per route group by the admin's JSON document in Redis (ksysadmin:settings:rate-limits), polled by
-- a per-worker timer every second.
local gateway = require "kservices.gateway"
local json = require "kservices.json"
local redisConn = require "kservices.redisConn"

local _M = { settingsKey = "ksysadmin:settings:rate-limits", pollSeconds = 1 }

local active = {}
-- The groups whose requests carry no signed-in user (the defaults file's anonymousGroups): only the address
-- limits them, since a user scope would count each attached session apart.
local anonymous = {}
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
    local byAddress = scope == "user" and anonymous[rule.routeGroup] or nil
    if byAddress then
        scope = "ip"
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
        byAddress = byAddress,
    }
end

-- The defaults file, read once when the module loads (by the master, in init_by_lua): one nginx cannot read or use
-- stops it at start, as does one without the "default" group (the rule of a route outside every group).
-- scope "ip": the client address; scope "user": the user of a live session, else the client address. A group in
-- anonymousGroups counts by address whatever its rule says; its default must say ip.
local function loadDefaults()
    local path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "rateLimitDefaults.json"
    local file, err = io.open(path, "r")
    if not file then
        error("rate limit defaults: " .. err, 0)
    end
    local raw = file:read("*a")
    file:close()
    local document, decodeErr = json.decode(raw)
    local list = type(document) == "table" and document.rules
    if type(list) ~= "table" or #list == 0 then
        error("rate limit defaults: no rules list in " .. path .. (decodeErr and (" (" .. decodeErr .. ")") or ""), 0)
    end
    local names = document.anonymousGroups
    if type(names) ~= "table" then
        error("rate limit defaults: no anonymousGroups list in " .. path, 0)
    end
    for index, name in ipairs(names) do
        if type(name) ~= "string" then
            error("rate limit defaults: " .. path .. " anonymousGroups[" .. index .. "] is not a route group", 0)
        end
        anonymous[name] = true
    end
    local groups = {}
    for index, rule in ipairs(list) do
        local normalized, bad = normalize(rule, 1)
        if normalized and normalized.byAddress then
            normalized, bad = nil, "scope (" .. normalized.routeGroup .. " has no signed-in user: ip only)"
        end
        if not normalized then
            error("rate limit defaults: " .. path .. " rules[" .. index .. "] has an invalid " .. bad, 0)
        end
        groups[normalized.routeGroup] = true
    end
    if not groups["default"] then
        error("rate limit defaults: " .. path .. " has no rule for the default group", 0)
    end
    return list
end

_M.defaults = loadDefaults()

local function closedList(rules)
    local names = {}
    for name, rule in pairs(rules) do
        if rule.enabled and rule.failMode == "closed" then
            names[#names + 1] = name
        end
    end
    table.sort(names)
    return #names > 0 and table.concat(names, ", ") or nil
end

-- overrides: a list already checked by listProblem. Returns the rules, the entries it skipped and those whose user
-- scope it counts by address (a group without a signed-in user: stored before the admin API refused it, or by hand).
local function build(overrides)
    local rules, skipped, byAddress = {}, {}, {}
    for _, rule in ipairs(_M.defaults) do
        rules[rule.routeGroup] = normalize(rule, gateway.limitScale)
    end
    for index, rule in ipairs(overrides or {}) do
        local normalized, bad = normalize(rule, 1)
        if normalized then
            rules[normalized.routeGroup] = normalized
            if normalized.byAddress then
                byAddress[#byAddress + 1] = "rules[" .. index .. "] (" .. normalized.routeGroup .. ")"
            end
        else
            skipped[#skipped + 1] = "rules[" .. index .. "] has an invalid " .. bad
        end
    end
    return rules, skipped, byAddress
end

active = build(nil)
local closedGroups = closedList(active)

function _M.get(routeGroup)
    return active[routeGroup] or active["default"]
end

-- The enabled groups that answer 503 while Redis is unreachable ("a, b, c"), nil when none does.
function _M.closedGroups()
    return closedGroups
end

-- Why a decoded document's rules cannot be used, or nil. A JSON object decodes to a table too: only a list
-- (keys 1..n) of objects is one, so {"rules": {"routeGroup": ...}} is refused instead of meaning "no overrides".
-- {} and [] both decode to an empty table: the raw text is read again by the decoder that marks objects, so
-- {"rules": {}} is refused too (almost certainly a mistake) while {"rules": []} brings back the defaults.
local function listProblem(list, raw)
    if type(list) ~= "table" then
        return "no rules list"
    end
    local count = 0
    for _ in pairs(list) do
        count = count + 1
    end
    if count ~= #list then
        return "rules is not a list"
    end
    if count == 0 then
        local marked, err = json.fallbackDecode(raw)
        if type(marked) ~= "table" then
            return err or "not a JSON object"
        end
        if json.isObject(marked.rules) then
            return "rules is not a list"
        end
    end
    for index, rule in ipairs(list) do
        if type(rule) ~= "table" then
            return "rules[" .. index .. "] is not an object"
        end
    end
    return nil
end

-- Logged at warn, where the error log (nginx.conf: error_log ... warn) shows it, by the first worker that
-- applies a given document: every worker polls, the line is written once per change.
local function logChange(raw, ...)
    local shared = ngx.shared.kservices_rate_limit
    if shared and not shared:add("rules:logged:" .. ngx.md5(raw or ""), true, 5) then
        return
    end
    ngx.log(ngx.WARN, "rate limit: ", ...)
end

-- Applies the raw settings document (nil when the key is absent); returns true when rules changed.
function _M.apply(raw)
    if raw == lastRaw then
        return false
    end
    if raw == nil then
        active, lastRaw, lastVersion = build(nil), nil, nil
        closedGroups = closedList(active)
        logChange(raw, _M.settingsKey, " absent, using the default rules")
        return true
    end
    local document, err = json.decode(raw)
    local problem = type(document) ~= "table" and (err or "not a JSON object") or listProblem(document.rules, raw)
    local version = type(document) == "table" and string.sub(tostring(document.version), 1, 40) or "?"
    lastRaw = raw
    if problem then
        logChange(raw, "refused ", _M.settingsKey, " version ", version, " (", problem, "), keeping the current rules")
        return false
    end
    local skipped, byAddress
    active, skipped, byAddress = build(document.rules)
    lastVersion = document.version
    closedGroups = closedList(active)
    logChange(raw, "rules version ", version, " loaded from ", _M.settingsKey,
        #skipped > 0 and (", skipping invalid entries: " .. table.concat(skipped, "; ")) or "",
        #byAddress > 0 and (", counting by address the user scope of groups without a signed-in user: "
            .. table.concat(byAddress, "; ")) or "")
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
