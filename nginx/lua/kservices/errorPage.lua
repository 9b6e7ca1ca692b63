-- Header filter of the gateway's error locations (nginx/conf/errorPages.conf). An error raised after a
-- location began its response keeps that response's headers: the static module's 416 comes after its
-- add_header set, its type and ETag were applied, and its 405 on POST after it set the file's type, so
-- nginx would send text/html and the security headers twice. This filter runs before add_header: it
-- drops every header but the body's length and the limiter's quota (a 502 after an allowed request keeps
-- it) and sets the envelope's type; add_header then adds its set once.
local ngx = ngx

local KEEP = { ["content-length"] = true, ["ratelimit"] = true, ["ratelimit-policy"] = true }

local _M = {}

function _M.headers()
    local header = ngx.header
    for name in pairs(ngx.resp.get_headers(100, true)) do
        if not KEEP[name:lower()] then
            header[name] = nil
        end
    end
    header["Content-Type"] = "application/json"
end

return _M
