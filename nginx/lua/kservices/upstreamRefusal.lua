-- Header and body filters of the proxied locations. uvicorn answers a request its HTTP parser refuses (a
-- method it does not know, raw bytes over 0x7f in the target, a control character in a header value: all
-- of which nginx passes on) with a text/plain 400 of its own; the application itself only sends the
-- envelope. That answer is replaced by the gateway's 400 envelope, typed application/json; charset=utf-8
-- (nginx keeps the charset it parsed from the replaced type). Any other response passes untouched after one
-- status comparison.
local ngx = ngx

local _M = {}

local function envelope()
    return '{"error":{"code":"bad_request","message":"Malformed request","requestId":"'
        .. ngx.var.kRequestId .. '","details":[]}}'
end

function _M.headers()
    if ngx.status ~= 400 then
        return
    end
    local header = ngx.header
    local contentType = header["Content-Type"]
    if type(contentType) ~= "string" or contentType:sub(1, 10) ~= "text/plain" then
        return
    end
    local body = envelope()
    ngx.ctx.upstreamRefusal = body
    header["Content-Type"] = "application/json"
    header["Content-Length"] = #body
end

function _M.body()
    local ctx = ngx.ctx
    local body = ctx.upstreamRefusal
    if body == nil then
        return
    end
    ngx.arg[1] = body
    ctx.upstreamRefusal = ""
end

return _M
