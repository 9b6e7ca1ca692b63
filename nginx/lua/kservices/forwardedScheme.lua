-- The scheme the client used (docs/gateway.md, "Scheme"): a trusted proxy's (GATEWAY_TRUSTED_PROXIES) word in
-- X-Forwarded-Proto when it is exactly https or http, this connection's otherwise. Run by nginx.conf's server-level
-- set_by_lua for every request that carries the header, before any location: the backends' X-Forwarded-Proto and
-- HSTS ($kHsts) follow it on every answer, the frontends' files and the gateway's own errors included.
local gateway = require "kservices.gateway"

local var = ngx.var

local _M = {}

function _M.scheme()
    if gateway.trustedProxies[var.remote_addr] then
        local proto = var.http_x_forwarded_proto
        if proto == "https" or proto == "http" then
            return proto
        end
    end
    return var.scheme
end

return _M
