-- The user a bearer token claims to be, for user-scope rules (docs/gateway.md, "Identity"). The token's
-- signature is the backend's business; whether its session exists is checked by the counting script. What
-- unverified tokens make the gateway remember lives in a shared dict of its own, so a flood of them cannot
-- evict the limiter's block entries or its redis:down marker.
local json = require "kservices.json"

local ngx = ngx
local var = ngx.var
local sessions = ngx.shared.kservices_rate_limit_sessions
local sub, find = string.sub, string.find

local BAD_SESSION_SECONDS = 5
local GOOD_SESSION_SECONDS = 900
-- Session lookups of sids not seen valid lately, per client address and window: past the limit the
-- address's other tokens count as anonymous (its address block applies without Redis).
local SESSION_PROBES = 20
local SESSION_PROBE_SECONDS = 10

local _M = {}

-- sub and sid from a bearer token's payload; the signature is checked by the backend, the
-- session's existence in Redis is checked by the counting script.
local function tokenClaims()
    local header = var.http_authorization
    if not header or #header < 20 then
        return nil
    end
    local scheme = sub(header, 1, 7)
    if scheme ~= "Bearer " and scheme:lower() ~= "bearer " then
        return nil
    end
    local first = find(header, ".", 8, true)
    if not first then
        return nil
    end
    local second = find(header, ".", first + 1, true)
    if not second or second - first > 4096 then
        return nil
    end
    local payload = sub(header, first + 1, second - 1):gsub("[-_]", { ["-"] = "+", ["_"] = "/" })
    local padding = #payload % 4
    if padding == 2 then
        payload = payload .. "=="
    elseif padding == 3 then
        payload = payload .. "="
    end
    local decoded = ngx.decode_base64(payload)
    if not decoded then
        return nil
    end
    local claims = json.decode(decoded)
    if type(claims) ~= "table" then
        return nil
    end
    local subject, sid = claims.sub, claims.sid
    -- An empty sub or sid is no identity: it would match any session and share one user bucket.
    if type(subject) ~= "string" or type(sid) ~= "string" or #sid == 0 or #subject == 0
        or #sid > 128 or #subject > 128 or find(sid, "[:%s]") or find(subject, "[:%s]") then
        return nil
    end
    return subject, sid
end

-- The user a user-scope request claims to be, or nil to count it by its address. A sid found missing in
-- the last seconds is not looked up again; a sid not seen valid lately is a probe, SESSION_PROBES per
-- address and window (given back when the session exists), so fresh fake sids from one address cost a
-- bounded number of Redis calls while the real sessions behind it (a NAT) keep their own quota.
function _M.claimed(ip)
    local subject, sid = tokenClaims()
    if not sid or sessions:get("bad:" .. sid) then
        return nil
    end
    if sessions:get("good:" .. sid) then
        return subject, sid, false
    end
    local probes = sessions:incr("probe:" .. ip, 1, 0, SESSION_PROBE_SECONDS)
    if not probes or probes > SESSION_PROBES then
        return nil
    end
    return subject, sid, true
end

-- After the counting script: usedUser tells whether the session exists (and belongs to the token's sub).
function _M.checked(ip, sid, probed, valid)
    if not valid then
        sessions:set("bad:" .. sid, true, BAD_SESSION_SECONDS)
    elseif probed then
        sessions:set("good:" .. sid, true, GOOD_SESSION_SECONDS)
        sessions:incr("probe:" .. ip, -1)
    end
end

return _M
