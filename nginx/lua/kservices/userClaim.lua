-- The user a bearer token claims to be, for user-scope rules (docs/gateway.md, "Identity"). The token's
-- signature is the backend's business; whether its session exists, belongs to its sub and lists its jti (one of
-- the session's recent access tokens) is checked by the counting script. What unverified tokens make the gateway
-- remember lives in a shared dict of its own, so a flood of them cannot evict the limiter's block entries or its
-- redis:down marker.
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

-- An empty claim is no identity: an empty sub would match any session and share one user bucket. A ':' would
-- make the remembered claims (below) ambiguous.
local function usable(claim)
    return type(claim) == "string" and #claim > 0 and #claim <= 128 and not find(claim, "[:%s]")
end

-- sub, sid and jti from a bearer token's payload; the signature is checked by the backend, the session and
-- its token list in Redis by the counting script.
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
    local subject, sid, jti = claims.sub, claims.sid, claims.jti
    if not (usable(subject) and usable(sid) and usable(jti)) then
        return nil
    end
    return subject, sid, jti
end

-- The user a user-scope request claims to be (sub, sid, jti, and the key under which the gateway remembers
-- that claim), or nil to count it by its address. What is remembered is the whole claim, never the session
-- alone, so a forged token naming a real session cannot change how that session's own tokens are counted. A
-- claim found invalid in the last seconds is not looked up again (false); one not seen valid lately is a probe,
-- SESSION_PROBES per address and window (given back when it is valid), so fresh fake claims from one address
-- cost a bounded number of Redis calls while the real sessions behind it (a NAT) keep their own quota.
function _M.claimed(ip)
    local subject, sid, jti = tokenClaims()
    if not sid then
        return nil
    end
    local claim = "t:" .. sid .. ":" .. jti .. ":" .. subject
    local known = sessions:get(claim)
    if known == false then
        return nil
    elseif known then
        return subject, sid, jti, claim, false
    end
    local probes = sessions:incr("probe:" .. ip, 1, 0, SESSION_PROBE_SECONDS)
    if not probes or probes > SESSION_PROBES then
        return nil
    end
    return subject, sid, jti, claim, true
end

-- After the counting script: valid tells whether the session exists, belongs to the token's sub and lists its
-- jti unexpired.
function _M.checked(ip, claim, probed, valid)
    if not valid then
        sessions:set(claim, false, BAD_SESSION_SECONDS)
    elseif probed then
        sessions:set(claim, true, GOOD_SESSION_SECONDS)
        sessions:incr("probe:" .. ip, -1)
    end
end

return _M
