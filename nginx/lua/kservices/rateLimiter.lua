-- Access-phase rate limiter for /api/* (see docs/gateway.md): sliding window over two fixed
-- Redis counters, one EVALSHA round trip per request, a shared-dict "blocked until" cache so
-- rejected floods cost no Redis call (a flood of fake sessions a bounded few), and per-rule fail modes
-- when Redis is unreachable.
local address = require "kservices.address"
local gateway = require "kservices.gateway"
local redisConn = require "kservices.redisConn"
local rules = require "kservices.rateLimitRules"
local userClaim = require "kservices.userClaim"

local ngx = ngx
local var = ngx.var
local shared = ngx.shared.kservices_rate_limit
local floor, ceil, max = math.floor, math.ceil, math.max
local byte, sub, find = string.byte, string.sub, string.find

local _M = {}

-- KEYS: current, previous [, session, ipCurrent, ipPrevious]
-- ARGV: limit, windowMs, elapsedMs [, expectedUserId, tokenId, nowSeconds] (the token's sub and jti, with 5 KEYS)
-- Returns {allowed, current, previous, usedUserKeys}. Rejected requests are not counted.
-- The user's counters are used only when the session is a hash whose userId is the token's sub and whose jtis
-- (`<jti>:<exp> ...`, the session's recent access tokens, written by shared/backend/security/sessionStore.py)
-- list the token's jti with an exp still ahead; otherwise the address's. pcall: a key of another type is no session.
local script = [[
local curKey, prevKey, userKeys = KEYS[1], KEYS[2], 0
if #KEYS == 5 then
  local fields = redis.pcall('HMGET', KEYS[3], 'userId', 'jtis')
  local jtis = fields[2]
  if fields[1] == ARGV[4] and jtis then
    local at = string.find(' ' .. jtis, ' ' .. ARGV[5] .. ':', 1, true)
    local expiresAt = at and tonumber(string.match(jtis, '^%d+', at + #ARGV[5] + 1))
    if expiresAt and expiresAt > tonumber(ARGV[6]) then userKeys = 1 end
  end
  if userKeys == 0 then curKey, prevKey = KEYS[4], KEYS[5] end
end
local limit, windowMs, elapsed = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local counts = redis.call('MGET', curKey, prevKey)
local cur, prev = tonumber(counts[1] or '0'), tonumber(counts[2] or '0')
if prev * (windowMs - elapsed) / windowMs + cur + 1 > limit then
  return {0, cur, prev, userKeys}
end
cur = redis.call('INCR', curKey)
if cur == 1 then redis.call('PEXPIRE', curKey, windowMs * 2 + 1000) end
return {1, cur, prev, userKeys}
]]

local function hex(bin)
    return (bin:gsub(".", function(c)
        return string.format("%02x", byte(c))
    end))
end

local scriptSha = hex(ngx.sha1_bin(script))

-- Number-to-string conversion stops LuaJIT traces (2.1.0-beta3), which leaves the whole handler
-- interpreted and triples its cost; hot numbers are converted once and looked up afterwards.
local numCache, numCacheSize = {}, 0
local function numStr(n)
    local s = numCache[n]
    if s then
        return s
    end
    if numCacheSize >= 8192 then
        numCache, numCacheSize = {}, 0
    end
    s = tostring(n)
    numCache[n] = s
    numCacheSize = numCacheSize + 1
    return s
end

local FAIL_LOG_INTERVAL = 10
local REDIS_RETRY_SECONDS = 1
local REDIS_RETRY_SECONDS_STR = tostring(REDIS_RETRY_SECONDS)

-- Route groups: exact method + path first (without one trailing slash: the backends redirect "/api/auth/login/" to
-- the login), then by prefix on the whole path, so "/api/auth/" itself is an auth route.
local function routeGroup(method, uri)
    local path = uri
    if byte(uri, -1) == 47 and #uri > 1 then
        path = sub(uri, 1, -2)
    end
    if find(uri, "/api/auth/", 1, true) == 1 then
        if path == "/api/auth/login" and method == "POST" then
            return "auth-login"
        elseif (path == "/api/auth/register" or path == "/api/auth/verify-email/resend") and method == "POST" then
            return "auth-register"  -- both send a verification mail
        elseif path == "/api/auth/password/forgot" or path == "/api/auth/password/reset" then
            return "password-reset"
        elseif path == "/api/auth/me/export" and (method == "GET" or method == "HEAD") then
            return "auth-export"  -- the whole account as one JSON file: far heavier than any other auth request
        end
        return "auth"
    elseif find(uri, "/api/payment/", 1, true) == 1 then
        if path == "/api/payment/payments" and method == "POST" then
            return "payment-create"
        elseif find(uri, "/api/payment/snap/", 1, true) == 1 then
            return "payment-callback"  -- BRI's token and notification calls
        end
        return "payment"
    elseif find(uri, "/api/admin/", 1, true) == 1 then
        if path == "/api/admin/auth/login" and method == "POST" then
            return "admin-login"
        end
        return "admin"
    end
    return "default"  -- /health/public and /health/admin
end
_M.routeGroup = routeGroup

-- The client address; X-Forwarded-For only when the direct peer is a trusted proxy, taking the
-- rightmost hop that is not itself a trusted proxy (parsed by kservices.address, its port dropped). A
-- hop that is no address makes the peer the client, as without a trusted proxy.
local function clientIp()
    local peer = var.remote_addr
    local trusted = gateway.trustedProxies
    if not trusted[peer] then
        return peer
    end
    local forwarded = var.http_x_forwarded_for
    if not forwarded then
        return peer
    end
    local hops = {}
    for hop in string.gmatch(forwarded, "[^,%s]+") do
        hops[#hops + 1] = hop
    end
    for i = #hops, 1, -1 do
        local hop = address.fromHop(hops[i])
        if not hop then
            return peer
        end
        if not trusted[hop] then
            return hop
        end
    end
    return peer
end
_M.clientIp = clientIp

-- The JSON error envelope. message and details are trusted literals; the request id is either
-- nginx's hex $request_id or a caller's id already restricted to [A-Za-z0-9._-] by the map.
local function envelope(status, code, message, details)
    local body = '{"error":{"code":"' .. code .. '","message":"' .. message .. '","requestId":"'
        .. (var.kRequestId or "") .. '","details":[' .. details .. "]}}"
    local header = ngx.header
    header["Content-Type"] = "application/json"
    header["Content-Length"] = numStr(#body)
    header["Cache-Control"] = "no-store"
    ngx.status = status
    ngx.print(body)
    -- The response is complete: HTTP_OK ends the request without nginx's own error page.
    return ngx.exit(ngx.HTTP_OK)
end

local function setRejectVariables(rule, seconds)
    var.kRateLimitRetry = seconds
    var.kRateLimitGroup = rule.routeGroup
    var.kRateLimitPolicy = rule.policyHeader
    var.kRateLimitState = rule.quotaPrefix .. "r=0;t=" .. seconds
end

-- 429: the variables feed the @rateLimited location in nginx.conf, which renders the envelope and
-- the Retry-After / RateLimit-Policy / RateLimit headers without further Lua work. A config rendered
-- before those variables existed gets the same response built here.
local function reject(rule, retryAfter)
    local seconds = numStr(max(1, ceil(retryAfter)))
    if pcall(setRejectVariables, rule, seconds) then
        return ngx.exit(429)
    end
    local header = ngx.header
    header["Retry-After"] = seconds
    header["RateLimit-Policy"] = rule.policyHeader
    header["RateLimit"] = rule.quotaPrefix .. "r=0;t=" .. seconds
    return envelope(429, "rate_limited", "Too many requests: retry after " .. seconds .. " s",
        '{"retryAfter":' .. seconds .. ',"routeGroup":"' .. rule.routeGroup .. '"}')
end

local function redisFailed(rule, err, markDown)
    if markDown then
        -- Skip Redis for a moment: a dead or blackholed server must not cost every request a timeout.
        shared:set("redis:down", true, REDIS_RETRY_SECONDS)
    end
    if shared:add("log:redis", true, FAIL_LOG_INTERVAL) then
        local closed = rules.closedGroups()
        ngx.log(ngx.ERR, "rate limit: Redis unavailable (", err, "); failing ",
            closed and ("closed for " .. closed .. ", open for the rest") or "open for every group",
            " (logged once per ", FAIL_LOG_INTERVAL, " s)")
    end
    if rule.failMode == "closed" then
        ngx.header["Retry-After"] = REDIS_RETRY_SECONDS_STR
        return envelope(503, "service_unavailable", "Rate limiting is unavailable; try again shortly",
            '{"retryAfter":' .. REDIS_RETRY_SECONDS .. ',"routeGroup":"' .. rule.routeGroup .. '"}')
    end
end

-- args: the script's KEYS followed by its ARGV; nkeys: how many are keys.
local function count(nkeys, args)
    local red, err = redisConn.connect()
    if not red then
        return nil, err
    end
    local res
    res, err = red:evalsha(scriptSha, nkeys, unpack(args))
    if not res and err and find(err, "NOSCRIPT", 1, true) then
        res, err = red:eval(script, nkeys, unpack(args))
    end
    if not res then
        red:close()
        return nil, err
    end
    redisConn.release(red)
    return res
end

function _M.access()
    local ip = clientIp()
    if ip ~= var.remote_addr then
        var.kClientIp = ip  -- a client behind a trusted proxy: logged and forwarded as the client
    end
    if find(ip, ":", 1, true) then
        ip = address.identity(ip)  -- an IPv6 client is counted by its /64
    end
    local group = routeGroup(ngx.req.get_method(), var.uri)
    local rule = rules.get(group)
    if not rule or not rule.enabled then
        return
    end
    local now = ngx.now()
    local subject, sid, jti, claim, probed
    if rule.scope == "user" then
        subject, sid, jti, claim, probed = userClaim.claimed(ip)
    end

    local routeName = rule.routeGroup
    -- The block key carries the rule's limit and window, so a changed rule starts afresh.
    local ipBlock = rule.blockPrefix .. "ip:" .. ip
    local userBlock = subject and (rule.blockPrefix .. "user:" .. subject)
    local blockedUntil = shared:get(userBlock or ipBlock)
    if blockedUntil and blockedUntil > now then
        return reject(rule, blockedUntil - now)
    end

    if shared:get("redis:down") then
        return redisFailed(rule, "marked down", false)
    end

    local windowMs = rule.windowMs
    local nowMs = floor(now * 1000)
    local window = floor(nowMs / windowMs)
    local elapsed = nowMs - window * windowMs
    local base = "rate_limit:ip:" .. ip .. ":" .. routeName .. ":"
    local current, previous = numStr(window), numStr(window - 1)
    local res, err
    if subject then
        local userBase = "rate_limit:user:" .. subject .. ":" .. routeName .. ":"
        res, err = count(5, { userBase .. current, userBase .. previous, "kauth:session:" .. sid,
            base .. current, base .. previous, rule.limitStr, rule.windowMsStr, tostring(elapsed), subject, jti,
            numStr(floor(now)) })
    else
        res, err = count(2, { base .. current, base .. previous, rule.limitStr, rule.windowMsStr, tostring(elapsed) })
    end
    if not res then
        return redisFailed(rule, err, true)
    end

    local allowed, cur, prev, usedUser = res[1], res[2], res[3], res[4]
    if subject then
        userClaim.checked(ip, claim, probed, usedUser == 1)
        if usedUser == 0 then
            userBlock = nil
        end
    end
    local limit = rule.limit
    local remainingMs = windowMs - elapsed
    if allowed == 0 then
        -- Time until one more request fits under the sliding estimate.
        local waitMs
        if cur + 1 > limit then
            waitMs = remainingMs + (cur > 0 and windowMs * (1 - (limit - 1) / cur) or 0)
        else
            waitMs = windowMs - windowMs * (limit - 1 - cur) / prev - elapsed
        end
        waitMs = max(waitMs, 1)
        local untilTime = now + waitMs / 1000
        shared:set(userBlock or ipBlock, untilTime, waitMs / 1000)
        return reject(rule, waitMs / 1000)
    end

    local remaining = floor(limit - (prev * remainingMs / windowMs + cur))
    if remaining < 0 then
        remaining = 0
    end
    ngx.header["RateLimit-Policy"] = rule.policyHeader
    ngx.header["RateLimit"] = rule.quotaPrefix .. "r=" .. numStr(remaining) .. ";t=" .. numStr(ceil(remainingMs / 1000))
end

return _M
